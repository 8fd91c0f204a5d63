package dev.jvirtio.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The results of a {@code bench compare} matrix summarised per cell (disk x workload x target) as
 * min, median and max over the repetitions, with the ratio of the first target to the second: a
 * Markdown table, a self-contained HTML page with inline SVG charts, and ratio lines.
 */
final class CompareReport {

    /** min, median and max of one figure over the repetitions of a cell. */
    record Spread(double min, double median, double max) {

        static Spread of(List<BlkBenchResult> runs, ToDoubleFunction<BlkBenchResult> figure) {
            double[] v = runs.stream().mapToDouble(figure).filter(d -> !Double.isNaN(d)).sorted().toArray();
            if (v.length == 0) {
                return new Spread(Double.NaN, Double.NaN, Double.NaN);
            }
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Spread(v[0], median, v[v.length - 1]);
        }
    }

    /** The figures of one target in one disk and workload. */
    record Cell(Spread iops, Spread p99, Spread cpuMicrosPerOp, int runs) {
    }

    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};

    private final List<String> targets;
    private final List<Disk> disks;
    private final List<Workload> workloads;
    private final List<BlkBenchResult> results;
    private final String command;
    private final String machine;

    /**
     * @param targets target labels in column order; ratios are the first over the second
     * @param command the command line that produced the results
     * @param machine one line about the machine (CPUs, and the caveat that client and back-end share them)
     */
    CompareReport(List<String> targets, List<Disk> disks, List<Workload> workloads, List<BlkBenchResult> results,
                  String command, String machine) {
        this.targets = List.copyOf(targets);
        this.disks = List.copyOf(disks);
        this.workloads = List.copyOf(workloads);
        this.results = List.copyOf(results);
        this.command = command;
        this.machine = machine;
    }

    /** The summary of {@code target} on {@code disk} running {@code workload}; runs() is 0 if none ran. */
    Cell cell(Disk disk, Workload workload, String target) {
        List<BlkBenchResult> runs = results.stream().filter(r -> r.target().equals(target)
                && r.disk().equals(disk.describe()) && r.workload().equals(workload)).toList();
        return new Cell(Spread.of(runs, BlkBenchResult::iops), Spread.of(runs, r -> r.latency().p99()),
                Spread.of(runs, BlkBenchResult::backendCpuMicrosPerOp), runs.size());
    }

    private boolean hasRatio() {
        return targets.size() >= 2;
    }

    private String ratioName() {
        return targets.get(0) + "/" + targets.get(1);
    }

    /** The table, header first: one row per disk and workload, figures as median (min-max). */
    List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("disk", "workload"));
        for (String t : targets) {
            head.add(t + " IOPS");
        }
        if (hasRatio()) {
            head.add("IOPS " + ratioName());
        }
        for (String t : targets) {
            head.add(t + " p99 us");
        }
        if (hasRatio()) {
            head.add("p99 " + ratioName());
        }
        for (String t : targets) {
            head.add(t + " CPU us/IO");
        }
        rows.add(head);
        for (Disk d : disks) {
            for (Workload w : workloads) {
                List<String> row = new ArrayList<>(List.of(d.describe(), w.describe()));
                List<Cell> cells = targets.stream().map(t -> cell(d, w, t)).toList();
                cells.forEach(c -> row.add(spread(c.iops(), "%,.0f")));
                if (hasRatio()) {
                    row.add(ratio(cells.get(0).iops(), cells.get(1).iops()));
                }
                cells.forEach(c -> row.add(spread(c.p99(), "%,.0f")));
                if (hasRatio()) {
                    row.add(ratio(cells.get(0).p99(), cells.get(1).p99()));
                }
                cells.forEach(c -> row.add(fmt("%.1f", c.cpuMicrosPerOp().median())));
                rows.add(row);
            }
        }
        return rows;
    }

    /** {@link #rows()} as a Markdown table. */
    String markdown() {
        StringBuilder b = new StringBuilder();
        List<List<String>> rows = rows();
        for (int i = 0; i < rows.size(); i++) {
            b.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
            if (i == 0) {
                b.append("|").append("---|".repeat(rows.get(0).size())).append('\n');
            }
        }
        return b.toString();
    }

    /** One line per cell: "null 1G randread 4k QD 1: IOPS jvirtio/qsd 1.05, p99 jvirtio/qsd 0.93". */
    List<String> ratioLines() {
        List<String> lines = new ArrayList<>();
        if (!hasRatio()) {
            return lines;
        }
        for (Disk d : disks) {
            for (Workload w : workloads) {
                Cell a = cell(d, w, targets.get(0));
                Cell c = cell(d, w, targets.get(1));
                lines.add(d.describe() + ", " + w.describe() + ": median IOPS " + ratioName() + " "
                        + ratio(a.iops(), c.iops()) + ", median p99 " + ratioName() + " " + ratio(a.p99(), c.p99()));
            }
        }
        return lines;
    }

    /** A self-contained HTML page: the command, the machine, per disk an IOPS and a p99 chart, and the table. */
    String html() {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>jvirtio bench compare</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f4f4f4}")
                .append("code{background:#f4f4f4;padding:.1em .3em}svg{margin:1em 1em 0 0}</style></head><body>\n")
                .append("<h1>virtio-blk: ").append(escape(String.join(" vs ", targets))).append("</h1>\n")
                .append("<p>Command: <code>").append(escape(command)).append("</code></p>\n")
                .append("<p>").append(escape(machine)).append("</p>\n")
                .append("<p>Bars are medians over the repetitions; whiskers span min to max.</p>\n");
        for (Disk d : disks) {
            b.append("<h2>").append(escape(d.describe())).append("</h2>\n");
            b.append(chart(d, "IOPS", Cell::iops)).append(chart(d, "p99 latency (us)", Cell::p99)).append('\n');
        }
        b.append("<h2>Table</h2>\n<table>\n");
        List<List<String>> rows = rows();
        for (int i = 0; i < rows.size(); i++) {
            String tag = i == 0 ? "th" : "td";
            b.append("<tr>");
            for (String c : rows.get(i)) {
                b.append('<').append(tag).append('>').append(escape(c)).append("</").append(tag).append('>');
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n</body></html>\n");
        return b.toString();
    }

    private String chart(Disk disk, String title, Function<Cell, Spread> figure) {
        int bar = 22;
        int gap = 26;
        int left = 70;
        int top = 40;
        int plot = 220;
        int group = targets.size() * bar + gap;
        int width = left + workloads.size() * group + 20;
        int height = top + plot + 110;
        double max = 0;
        for (Workload w : workloads) {
            for (String t : targets) {
                double m = figure.apply(cell(disk, w, t)).max();
                max = Double.isNaN(m) ? max : Math.max(max, m);
            }
        }
        max = max <= 0 ? 1 : niceCeiling(max);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\" role=\"img\">", width, height));
        s.append(String.format(Locale.ROOT, "<title>%s, %s</title>", escape(title), escape(disk.describe())));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>", left, escape(title)));
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            int y = top + plot - (int) Math.round(plot * (v / max));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>", left, y,
                    width - 10, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", left - 4, y + 4,
                    compact(v)));
        }
        for (int wi = 0; wi < workloads.size(); wi++) {
            Workload w = workloads.get(wi);
            int x0 = left + wi * group + gap / 2;
            for (int ti = 0; ti < targets.size(); ti++) {
                Spread sp = figure.apply(cell(disk, w, targets.get(ti)));
                if (Double.isNaN(sp.median())) {
                    continue;
                }
                int x = x0 + ti * bar;
                int h = (int) Math.round(plot * sp.median() / max);
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                                + "<title>%s: median %s, min %s, max %s</title></rect>", x, top + plot - h, bar - 4, h,
                        COLOURS[ti % COLOURS.length], escape(targets.get(ti)), compact(sp.median()), compact(sp.min()),
                        compact(sp.max())));
                int yMin = top + plot - (int) Math.round(plot * sp.min() / max);
                int yMax = top + plot - (int) Math.round(plot * sp.max() / max);
                int cx = x + (bar - 4) / 2;
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>",
                        cx, yMin, cx, yMax, cx - 4, yMin, cx + 4, yMin, cx - 4, yMax, cx + 4, yMax));
                s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"9\">%s</text>",
                        cx, Math.min(yMax, top + plot - h) - 3, compact(sp.median())));
            }
            int lx = x0 + targets.size() * bar / 2;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-35 %d %d)\">"
                    + "%s</text>", lx, top + plot + 14, lx, top + plot + 14, escape(w.spec())));
        }
        for (int ti = 0; ti < targets.size(); ti++) {
            int lx = left + 160 + ti * 110;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"18\">%s</text>", lx, COLOURS[ti % COLOURS.length], lx + 16,
                    escape(targets.get(ti))));
        }
        s.append("</svg>");
        return s.toString();
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String compact(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v >= 1e6) {
            return fmt("%.2fM", v / 1e6);
        }
        if (v >= 1e4) {
            return fmt("%.0fk", v / 1e3);
        }
        if (v >= 1e3) {
            return fmt("%.1fk", v / 1e3);
        }
        return fmt(v >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String spread(Spread s, String format) {
        if (Double.isNaN(s.median())) {
            return "-";
        }
        return fmt(format, s.median()) + " (" + fmt(format, s.min()) + "-" + fmt(format, s.max()) + ")";
    }

    private static String ratio(Spread a, Spread b) {
        if (Double.isNaN(a.median()) || Double.isNaN(b.median()) || b.median() == 0) {
            return "-";
        }
        return fmt("%.2f", a.median() / b.median());
    }

    private static String fmt(String format, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** The runs in the order they ran. */
    List<BlkBenchResult> results() {
        return results;
    }
}
