package dev.jvirtio.tune.rule;

import java.util.List;

/**
 * One practice checked against the facts of an audit.
 *
 * <p>Implementations are stateless and thread-safe.
 */
public interface Rule {

    /** The rule's ID, title, severity and explanation. */
    RuleInfo info();

    /**
     * Judges every subject the practice applies to: one finding per subject (the host, or each
     * guest), {@link Outcome#FAIL}, {@link Outcome#PASS} or {@link Outcome#NOT_APPLICABLE} with the
     * reason in the evidence.
     *
     * <p>Never throws for bad input: facts that could not be read become a finding that says what
     * could not be read.
     */
    List<Finding> evaluate(AuditContext context);
}
