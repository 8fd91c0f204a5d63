package dev.jvirtio.tune.report;

import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of an audit: its findings in report order and the notes on what could not be read,
 * with the three renderings (terminal text, JSON, HTML) and the exit code.
 *
 * <p>Report order: the host first, then each guest in the order it was loaded; within a subject by
 * area (VIRTIO, CPU, MEM, NET, STO), failures before passes before not-applicable, worse
 * severities first, then by rule ID.
 */
public final class AuditReport {

    /** The areas in report order. */
    public static final List<String> AREAS = List.of("VIRTIO", "CPU", "MEM", "NET", "STO");

    private final String root;
    private final String machine;
    private final List<Finding> findings;
    private final List<String> notes;

    /**
     * @param root     what was audited ({@code /}, a directory, or {@code capture FILE})
     * @param machine  one line about the audited machine ("" when unknown)
     * @param findings the findings, in any order
     * @param notes    what could not be read or parsed, one sentence each
     */
    public AuditReport(String root, String machine, List<Finding> findings, List<String> notes) {
        this.root = Objects.requireNonNull(root, "root");
        this.machine = Objects.requireNonNull(machine, "machine");
        this.findings = order(findings);
        this.notes = List.copyOf(notes);
    }

    public String root() {
        return root;
    }

    /** One line about the audited machine, "" when unknown. */
    public String machine() {
        return machine;
    }

    /** The findings in report order. */
    public List<Finding> findings() {
        return findings;
    }

    /** What could not be read or parsed. */
    public List<String> notes() {
        return notes;
    }

    public Summary summary() {
        return Summary.of(findings);
    }

    /** 1 when a finding failed at warn or risk, else 0. */
    public int exitCode() {
        return findings.stream().anyMatch(Finding::failsAtWarnOrAbove) ? 1 : 0;
    }

    /** The findings grouped by subject in report order. */
    public Map<String, List<Finding>> bySubject() {
        Map<String, List<Finding>> groups = new LinkedHashMap<>();
        for (Finding finding : findings) {
            groups.computeIfAbsent(finding.subject(), s -> new ArrayList<>()).add(finding);
        }
        return groups;
    }

    /** The terminal report; ANSI colours only when {@code color} is true. */
    public String toText(boolean color) {
        return new TextReport(color).render(this);
    }

    /** The JSON document described in docs/audit.md. */
    public String toJson() {
        return JsonReport.render(this);
    }

    /** A self-contained HTML page. */
    public String toHtml() {
        return HtmlReport.render(this);
    }

    private static List<Finding> order(List<Finding> findings) {
        List<String> subjects = new ArrayList<>();
        subjects.add(AuditContext.HOST);
        for (Finding f : findings) {
            if (!subjects.contains(f.subject())) {
                subjects.add(f.subject());
            }
        }
        Comparator<Finding> comparator = Comparator
                .comparingInt((Finding f) -> subjects.indexOf(f.subject()))
                .thenComparingInt(f -> areaIndex(f.area()))
                .thenComparingInt(f -> f.outcome().ordinal())
                .thenComparingInt(f -> -f.severity().ordinal())
                .thenComparing(Finding::rule);
        return findings.stream().sorted(comparator).toList();
    }

    private static int areaIndex(String area) {
        int index = AREAS.indexOf(area);
        return index < 0 ? AREAS.size() : index;
    }
}
