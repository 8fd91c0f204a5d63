package dev.jvirtio.tune.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.rule.Finding;

import java.util.Locale;

/**
 * The JSON rendering, schema version {@value #VERSION} (documented in docs/audit.md):
 * <pre>{@code
 * { "version": 1, "root": "/", "machine": "host, 16 CPUs ...", "exitCode": 1,
 *   "summary": { "total": 40, "fail": { "risk": 0, "warn": 2, "info": 1 }, "pass": 20, "notApplicable": 17 },
 *   "findings": [ { "rule", "severity", "outcome", "subject", "area", "title",
 *                   "evidence", "expected", "reason", "fix" } ],
 *   "notes": [ "..." ] }
 * }</pre>
 * Severities and outcomes are lower case: {@code info|warn|risk}, {@code fail|pass|not_applicable}.
 */
final class JsonReport {

    static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    static String render(AuditReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", VERSION);
        root.put("root", report.root());
        root.put("machine", report.machine());
        root.put("exitCode", report.exitCode());
        Summary summary = report.summary();
        ObjectNode counts = root.putObject("summary");
        counts.put("total", summary.total());
        ObjectNode fail = counts.putObject("fail");
        fail.put("risk", summary.failRisk());
        fail.put("warn", summary.failWarn());
        fail.put("info", summary.failInfo());
        counts.put("pass", summary.pass());
        counts.put("notApplicable", summary.notApplicable());
        ArrayNode findings = root.putArray("findings");
        for (Finding f : report.findings()) {
            ObjectNode node = findings.addObject();
            node.put("rule", f.rule());
            node.put("severity", f.severity().name().toLowerCase(Locale.ROOT));
            node.put("outcome", f.outcome().name().toLowerCase(Locale.ROOT));
            node.put("subject", f.subject());
            node.put("area", f.area());
            node.put("title", f.title());
            node.put("evidence", f.evidence());
            node.put("expected", f.expected());
            node.put("reason", f.reason());
            node.put("fix", f.fix());
        }
        ArrayNode notes = root.putArray("notes");
        report.notes().forEach(notes::add);
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers always serializes", e);
        }
    }
}
