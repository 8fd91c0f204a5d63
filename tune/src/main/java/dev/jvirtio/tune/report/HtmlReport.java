package dev.jvirtio.tune.report;

import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML rendering: one self-contained page (inline CSS, no scripts, no external assets); every
 * text taken from the audit is escaped.
 */
final class HtmlReport {

    private static final String CSS = """
            body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:75em}
            h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
            h3{font-size:1em;color:#555;margin:1.2em 0 .3em}
            table{border-collapse:collapse;width:100%}td{vertical-align:top;padding:.35em .5em;border-top:1px solid #eee}
            .badge{display:inline-block;min-width:5.5em;padding:.1em .4em;border-radius:.3em;font-size:.85em;text-align:center}
            .risk{background:#c0392b;color:#fff}.warn{background:#f1c40f}.info{background:#aed6f1}
            .pass{background:#abebc6}.na{background:#eee;color:#777}
            .rule{font-family:monospace;white-space:nowrap}dl{margin:.3em 0}dt{font-weight:600;color:#555}
            dd{margin:0 0 .4em 1em}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap}
            .summary span{margin-right:1.2em}
            """;

    private HtmlReport() {
    }

    static String render(AuditReport report) {
        StringBuilder html = new StringBuilder();
        Summary s = report.summary();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>jvirtio audit of ").append(escape(report.root())).append("</title><style>")
                .append(CSS).append("</style></head><body>\n");
        html.append("<h1>jvirtio audit of ").append(escape(report.root())).append("</h1>\n");
        if (!report.machine().isEmpty()) {
            html.append("<p>").append(escape(report.machine())).append("</p>\n");
        }
        html.append("<p class=\"summary\"><span class=\"badge risk\">").append(s.failRisk()).append(" risk</span>")
                .append("<span class=\"badge warn\">").append(s.failWarn()).append(" warn</span>")
                .append("<span class=\"badge info\">").append(s.failInfo()).append(" info</span>")
                .append("<span class=\"badge pass\">").append(s.pass()).append(" passed</span>")
                .append("<span class=\"badge na\">").append(s.notApplicable()).append(" n/a</span></p>\n");
        for (Map.Entry<String, List<Finding>> subject : report.bySubject().entrySet()) {
            html.append("<h2>").append(escape(subject.getKey())).append("</h2>\n");
            String area = null;
            for (Finding f : subject.getValue()) {
                if (!f.area().equals(area)) {
                    if (area != null) {
                        html.append("</table>\n");
                    }
                    area = f.area();
                    html.append("<h3>").append(escape(area)).append("</h3>\n<table>\n");
                }
                row(html, f);
            }
            if (area != null) {
                html.append("</table>\n");
            }
        }
        if (!report.notes().isEmpty()) {
            html.append("<h2>Could not read</h2>\n<ul>\n");
            report.notes().forEach(note -> html.append("<li>").append(escape(note)).append("</li>\n"));
            html.append("</ul>\n");
        }
        return html.append("</body></html>\n").toString();
    }

    private static void row(StringBuilder html, Finding f) {
        String css = switch (f.outcome()) {
            case FAIL -> f.severity().name().toLowerCase(Locale.ROOT);
            case PASS -> "pass";
            case NOT_APPLICABLE -> "na";
        };
        String label = switch (f.outcome()) {
            case FAIL -> "fail " + f.severity().name().toLowerCase(Locale.ROOT);
            case PASS -> "pass";
            case NOT_APPLICABLE -> "n/a";
        };
        html.append("<tr><td><span class=\"badge ").append(css).append("\">").append(label).append("</span></td>")
                .append("<td class=\"rule\">").append(escape(f.rule())).append("</td><td><strong>")
                .append(escape(f.title())).append("</strong><dl><dt>found</dt><dd>").append(escape(f.evidence()))
                .append("</dd>");
        if (f.outcome() == Outcome.FAIL) {
            html.append("<dt>expected</dt><dd>").append(escape(f.expected())).append("</dd><dt>why</dt><dd>")
                    .append(escape(f.reason())).append("</dd>");
            if (!f.fix().isEmpty()) {
                html.append("<dt>fix</dt><dd><pre>").append(escape(f.fix())).append("</pre></dd>");
            }
        }
        html.append("</dl></td></tr>\n");
    }

    /** Escapes text for HTML element content and attribute values. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        out.append("&#xfffd;");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
