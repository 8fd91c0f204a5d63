package dev.jvirtio.tune.rule;

import java.util.Objects;

/**
 * One rule's verdict on one subject.
 *
 * @param rule     the rule ID, a practice ID such as {@code STO-CACHE}
 * @param severity the rule's severity; it matters only when {@code outcome} is {@link Outcome#FAIL}
 * @param outcome  fail, pass or not applicable
 * @param subject  {@code "host"} or the guest's name
 * @param area     {@code VIRTIO}, {@code CPU}, {@code MEM}, {@code NET} or {@code STO}
 * @param title    the rule's title
 * @param evidence what was found (for not applicable: why)
 * @param expected what the practice expects
 * @param reason   two or three sentences, with the history where the 2020 advice changed
 * @param fix      a command, a sysctl line or an XML fragment; {@code ""} when passing
 */
public record Finding(String rule, Severity severity, Outcome outcome, String subject, String area,
                      String title, String evidence, String expected, String reason, String fix) {

    /** Rejects nulls: every text field is at least {@code ""}. */
    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(area, "area");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(fix, "fix");
    }

    /** True when this finding failed at {@link Severity#WARN} or {@link Severity#RISK}. */
    public boolean failsAtWarnOrAbove() {
        return outcome == Outcome.FAIL && severity != Severity.INFO;
    }
}
