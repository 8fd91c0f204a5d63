package dev.jvirtio.tune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import dev.jvirtio.tune.rule.Severity;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AuditReportTest {

    private static Finding finding(String rule, Severity severity, Outcome outcome, String subject, String area,
                                   String evidence) {
        return new Finding(rule, severity, outcome, subject, area, rule + " title", evidence, "expected text",
                "reason text", outcome == Outcome.FAIL ? "fix line 1\nfix line 2" : "");
    }

    private static final List<Finding> FINDINGS = List.of(
            finding("STO-CACHE", Severity.WARN, Outcome.FAIL, "vm1", "STO", "cache=writeback"),
            finding("MEM-SWAP", Severity.WARN, Outcome.PASS, AuditContext.HOST, "MEM", "swappiness 10"),
            finding("STO-HOSTFS", Severity.RISK, Outcome.FAIL, AuditContext.HOST, "STO", "nobarrier on /srv"),
            finding("NET-OFFLOAD", Severity.INFO, Outcome.FAIL, AuditContext.HOST, "NET", "tso off"),
            finding("MEM-NUMA", Severity.WARN, Outcome.NOT_APPLICABLE, AuditContext.HOST, "MEM", "one node"),
            finding("CPU-PIN", Severity.WARN, Outcome.PASS, "vm1", "CPU", "pinned"));

    @Test
    void findings_are_ordered_host_first_then_by_area_then_failures_first() {
        AuditReport report = new AuditReport("/", "host, 4 CPUs", FINDINGS, List.of());

        assertThat(report.findings()).extracting(f -> f.subject() + " " + f.rule()).containsExactly(
                "host MEM-SWAP", "host MEM-NUMA", "host NET-OFFLOAD", "host STO-HOSTFS", "vm1 CPU-PIN", "vm1 STO-CACHE");
    }

    @Test
    void the_summary_counts_failures_by_severity_and_the_exit_code_follows_warn_and_risk() {
        AuditReport report = new AuditReport("/", "host, 4 CPUs", FINDINGS, List.of());
        Summary summary = report.summary();

        assertThat(summary.failRisk()).isEqualTo(count(Outcome.FAIL, Severity.RISK));
        assertThat(summary.failWarn()).isEqualTo(count(Outcome.FAIL, Severity.WARN));
        assertThat(summary.failInfo()).isEqualTo(count(Outcome.FAIL, Severity.INFO));
        assertThat(summary.pass()).isEqualTo((int) FINDINGS.stream().filter(f -> f.outcome() == Outcome.PASS).count());
        assertThat(summary.total()).isEqualTo(FINDINGS.size());
        assertThat(report.exitCode()).isEqualTo(1);
        List<Finding> infoOnly = FINDINGS.stream().filter(f -> !f.failsAtWarnOrAbove()).toList();
        assertThat(new AuditReport("/", "host, 4 CPUs", infoOnly, List.of()).exitCode()).isZero();
    }

    @Test
    void the_text_report_puts_the_counts_on_top_and_colours_only_when_asked() {
        AuditReport report = new AuditReport("/", "host, 4 CPUs", FINDINGS, List.of("/proc/swaps: permission denied"));
        Summary summary = report.summary();

        String plain = report.toText(false);
        String coloured = report.toText(true);

        assertThat(plain.lines().skip(1).findFirst()).hasValue("Machine: host, 4 CPUs");
        assertThat(plain.lines().skip(2).findFirst()).hasValueSatisfying(line -> assertThat(line).startsWith("Summary:")
                .contains(summary.failRisk() + " risk").contains(summary.failWarn() + " warn")
                .contains(summary.pass() + " passed"));
        assertThat(plain).doesNotContain("\u001b[").contains("== host ==").contains("== vm1 ==")
                .contains("fix line 2").contains("permission denied");
        assertThat(plain.indexOf("== host ==")).isLessThan(plain.indexOf("== vm1 =="));
        assertThat(coloured).contains("\u001b[31m");
        assertThat(plain.lines()).allSatisfy(line -> assertThat(line.length())
                .isLessThanOrEqualTo(Math.max(TextReport.WIDTH, longestFixLine())));
    }

    @Test
    void the_json_report_holds_every_finding_with_its_fields_and_the_summary() throws Exception {
        AuditReport report = new AuditReport("/srv/root", "host, 4 CPUs", FINDINGS, List.of("a note"));

        JsonNode json = new ObjectMapper().readTree(report.toJson());

        assertThat(json.get("version").asInt()).isEqualTo(1);
        assertThat(json.get("root").asText()).isEqualTo("/srv/root");
        assertThat(json.get("machine").asText()).isEqualTo("host, 4 CPUs");
        assertThat(json.get("summary").get("fail").get("risk").asInt()).isEqualTo(report.summary().failRisk());
        assertThat(json.get("summary").get("notApplicable").asInt()).isEqualTo(report.summary().notApplicable());
        assertThat(json.get("findings")).hasSize(FINDINGS.size());
        List<String> rules = new ArrayList<>();
        for (JsonNode f : json.get("findings")) {
            for (String field : List.of("rule", "severity", "outcome", "subject", "area", "title", "evidence",
                    "expected", "reason", "fix")) {
                assertThat(f.has(field)).as(field).isTrue();
            }
            rules.add(f.get("rule").asText());
        }
        assertThat(rules).containsExactlyElementsOf(report.findings().stream().map(Finding::rule).toList());
        assertThat(json.get("findings").get(0).get("severity").asText()).isEqualTo("warn");
        assertThat(json.get("notes").get(0).asText()).isEqualTo("a note");
    }

    @Test
    void the_html_report_is_self_contained_and_escapes_everything_it_shows() {
        Finding hostile = new Finding("VIRTIO-PV", Severity.WARN, Outcome.FAIL, "<script>alert(1)</script>", "VIRTIO",
                "t", "a \"quoted\" & <b>bold</b> 'evidence'", "e", "r", "echo '<x>' > /tmp/y");
        String html = new AuditReport("/<root>", "host, 4 CPUs", List.of(hostile), List.of()).toHtml();

        assertThat(html).doesNotContain("<script>").doesNotContain("<b>bold</b>").doesNotContain("/<root>")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;").contains("&amp; &lt;b&gt;")
                .contains("&#39;&lt;x&gt;&#39;").contains("<style>")
                .doesNotContain("src=").doesNotContain("href=").doesNotContain("<link");
    }

    private static int count(Outcome outcome, Severity severity) {
        return (int) FINDINGS.stream().filter(f -> f.outcome() == outcome && f.severity() == severity).count();
    }

    private static int longestFixLine() {
        return FINDINGS.stream().flatMap(f -> f.fix().lines()).mapToInt(l -> l.length() + 16).max().orElse(0);
    }
}
