package dev.jvirtio.tune.rule;

import java.util.Objects;

/**
 * What a rule is, independent of any machine.
 *
 * @param id          the practice ID, for example {@code MEM-SWAP}
 * @param area        {@code VIRTIO}, {@code CPU}, {@code MEM}, {@code NET} or {@code STO}
 * @param title       one line
 * @param severity    the severity of a failing finding
 * @param explanation the whole text {@code jvirtio explain ID} prints: what the 2020 text said,
 *                    what is true today, and why
 */
public record RuleInfo(String id, String area, String title, Severity severity, String explanation) {

    public RuleInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(area, "area");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(explanation, "explanation");
    }

    /** A passing finding of this rule about {@code subject}. */
    public Finding pass(String subject, String evidence, String expected, String reason) {
        return new Finding(id, severity, Outcome.PASS, subject, area, title, evidence, expected, reason, "");
    }

    /** A failing finding of this rule, at the rule's severity. */
    public Finding fail(String subject, String evidence, String expected, String reason, String fix) {
        return fail(severity, subject, evidence, expected, reason, fix);
    }

    /**
     * A failing finding at a given severity: a rule whose worst case is {@link #severity()} may
     * report milder cases lower.
     */
    public Finding fail(Severity at, String subject, String evidence, String expected, String reason, String fix) {
        return new Finding(id, at, Outcome.FAIL, subject, area, title, evidence, expected, reason, fix);
    }

    /** A finding that the practice does not apply to {@code subject}; {@code why} goes in the evidence. */
    public Finding notApplicable(String subject, String why, String expected, String reason) {
        return new Finding(id, severity, Outcome.NOT_APPLICABLE, subject, area, title, why, expected, reason, "");
    }
}
