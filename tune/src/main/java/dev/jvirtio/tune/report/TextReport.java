package dev.jvirtio.tune.report;

import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The terminal rendering: summary counts on top, then each subject, its areas, and its findings.
 * A failure shows what was found, what is expected, why, and the fix; a pass or a not-applicable
 * finding shows one line of evidence.
 */
final class TextReport {

    static final int WIDTH = 100;
    private static final String INDENT = "      ";
    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";
    private static final String RED = "\u001b[31m";
    private static final String YELLOW = "\u001b[33m";
    private static final String CYAN = "\u001b[36m";
    private static final String GREEN = "\u001b[32m";
    private static final String DIM = "\u001b[2m";

    private final boolean color;

    TextReport(boolean color) {
        this.color = color;
    }

    String render(AuditReport report) {
        StringBuilder out = new StringBuilder();
        Summary summary = report.summary();
        out.append(paint(BOLD, "jvirtio audit of " + report.root())).append('\n');
        if (!report.machine().isEmpty()) {
            wrap(out, "Machine: ", "         ", report.machine());
        }
        out.append("Summary: ")
                .append(paint(summary.failRisk() > 0 ? RED : "", summary.failRisk() + " risk")).append(", ")
                .append(paint(summary.failWarn() > 0 ? YELLOW : "", summary.failWarn() + " warn")).append(", ")
                .append(paint(summary.failInfo() > 0 ? CYAN : "", summary.failInfo() + " info"))
                .append(" failed; ").append(paint(GREEN, summary.pass() + " passed")).append("; ")
                .append(summary.notApplicable()).append(" not applicable\n");
        for (Map.Entry<String, List<Finding>> subject : report.bySubject().entrySet()) {
            out.append('\n').append(paint(BOLD, "== " + subject.getKey() + " ==")).append('\n');
            String area = null;
            for (Finding finding : subject.getValue()) {
                if (!finding.area().equals(area)) {
                    area = finding.area();
                    out.append("  ").append(paint(BOLD, area)).append('\n');
                }
                renderFinding(out, finding);
            }
        }
        if (!report.notes().isEmpty()) {
            out.append('\n').append(paint(BOLD, "Could not read")).append('\n');
            for (String note : report.notes()) {
                wrap(out, "  - ", "    ", note);
            }
        }
        return out.toString();
    }

    private void renderFinding(StringBuilder out, Finding f) {
        String label = switch (f.outcome()) {
            case FAIL -> "FAIL " + f.severity().name().toLowerCase(Locale.ROOT);
            case PASS -> "pass";
            case NOT_APPLICABLE -> "n/a";
        };
        String tint = switch (f.outcome()) {
            case FAIL -> switch (f.severity()) {
                case RISK -> RED + BOLD;
                case WARN -> YELLOW;
                case INFO -> CYAN;
            };
            case PASS -> GREEN;
            case NOT_APPLICABLE -> DIM;
        };
        out.append("    ").append(paint(tint, pad(label, 10))).append(' ').append(f.rule()).append("  ")
                .append(f.title()).append('\n');
        if (f.outcome() != Outcome.FAIL) {
            wrap(out, INDENT + "     ", INDENT + "     ", f.evidence());
            return;
        }
        wrap(out, INDENT + "found     ", INDENT + "          ", f.evidence());
        wrap(out, INDENT + "expected  ", INDENT + "          ", f.expected());
        wrap(out, INDENT + "why       ", INDENT + "          ", f.reason());
        if (!f.fix().isEmpty()) {
            String first = INDENT + "fix       ";
            for (String line : f.fix().split("\n")) {
                out.append(first).append(line).append('\n');
                first = INDENT + "          ";
            }
        }
    }

    /** Appends {@code text} word-wrapped at {@link #WIDTH}, the first line after {@code first}. */
    private static void wrap(StringBuilder out, String first, String rest, String text) {
        String prefix = first;
        for (String paragraph : text.split("\n")) {
            StringBuilder line = new StringBuilder(prefix);
            boolean empty = true;
            for (String word : paragraph.split(" ")) {
                if (!empty && line.length() + 1 + word.length() > WIDTH) {
                    out.append(line).append('\n');
                    line = new StringBuilder(rest);
                    empty = true;
                }
                if (!empty) {
                    line.append(' ');
                }
                line.append(word);
                empty = false;
            }
            out.append(line).append('\n');
            prefix = rest;
        }
    }

    private String paint(String code, String text) {
        return color && !code.isEmpty() ? code + text + RESET : text;
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }
}
