package dev.jvirtio.tune.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan written for people (changes by subject, each with the rule it fixes, its target, and
 * before → after or a diff) and for programs (JSON, schema version 1).
 */
public final class PlanReport {

    /** The JSON schema version; fields are only ever added within a version. */
    public static final int VERSION = 1;

    private static final int RULE_WIDTH = 20;

    private PlanReport() {
    }

    /** The plan as text: a heading, the changes by subject, the kernel parameters, the notes. */
    public static String text(Plan plan) {
        StringBuilder out = new StringBuilder();
        out.append("jvirtio plan for ").append(plan.root()).append('\n');
        int count = plan.applicable().size();
        out.append(count == 0 ? "Nothing to change." : count + " change" + (count == 1 ? "" : "s") + " to make.");
        if (!plan.suggestions().isEmpty()) {
            out.append(" ").append(plan.suggestions().size()).append(" kernel parameter")
                    .append(plan.suggestions().size() == 1 ? "" : "s").append(" to add for the next boot.");
        }
        out.append('\n');
        for (Map.Entry<String, List<Change>> subject : bySubject(plan.applicable()).entrySet()) {
            out.append("\n== ").append(subject.getKey()).append(" ==\n");
            for (Change change : subject.getValue()) {
                appendChange(out, change);
            }
        }
        if (!plan.suggestions().isEmpty()) {
            out.append("\nKernel command line (takes effect at the next boot; jvirtio does not edit the boot loader):\n");
            for (Change change : plan.suggestions()) {
                out.append("  ").append(pad(change.rule())).append("add ").append(change.to());
                if (change instanceof KernelCmdline k) {
                    out.append("  (").append(k.why()).append(')');
                }
                out.append('\n');
            }
        }
        if (!plan.notes().isEmpty()) {
            out.append("\nNotes:\n");
            plan.notes().forEach(note -> out.append("  ").append(note).append('\n'));
        }
        return out.toString();
    }

    /** One change as the text report shows it. */
    public static String describe(Change change) {
        StringBuilder out = new StringBuilder();
        appendChange(out, change);
        return out.toString();
    }

    /** The plan as one JSON object. */
    public static String json(Plan plan) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("version", VERSION);
        root.put("root", plan.root());
        root.put("changeCount", plan.applicable().size());
        ArrayNode changes = root.putArray("changes");
        for (Change change : plan.changes()) {
            ObjectNode c = changes.addObject();
            c.put("rule", change.rule());
            c.put("subject", change.subject());
            c.put("kind", change.kind());
            c.put("target", change.target());
            c.put("from", change.from());
            c.put("to", change.to());
            c.put("applies", change.applicable());
            ArrayNode diff = c.putArray("diff");
            change.diff().forEach(diff::add);
        }
        ArrayNode notes = root.putArray("notes");
        plan.notes().forEach(notes::add);
        try {
            return mapper.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings could not be written as JSON", e);
        }
    }

    private static void appendChange(StringBuilder out, Change change) {
        out.append("  ").append(pad(change.rule())).append(change.target()).append(" (").append(change.kind())
                .append(")");
        List<String> diff = change.diff();
        if (diff.isEmpty()) {
            out.append(": ").append(change.from()).append(" -> ").append(change.to()).append('\n');
            return;
        }
        out.append(change instanceof DomainEdit ? ": " + change.to() : change instanceof FileWrite f
                && f.before().isEmpty() ? ": new file" : "").append('\n');
        String indent = " ".repeat(2 + RULE_WIDTH + 2);
        for (String line : diff) {
            out.append(indent).append(line).append('\n');
        }
    }

    private static Map<String, List<Change>> bySubject(List<Change> changes) {
        Map<String, List<Change>> groups = new LinkedHashMap<>();
        for (Change change : changes) {
            groups.computeIfAbsent(change.subject(), s -> new ArrayList<>()).add(change);
        }
        return groups;
    }

    private static String pad(String rule) {
        return rule.length() >= RULE_WIDTH ? rule + " " : rule + " ".repeat(RULE_WIDTH - rule.length() + 1);
    }
}
