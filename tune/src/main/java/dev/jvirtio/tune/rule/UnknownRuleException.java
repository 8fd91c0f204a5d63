package dev.jvirtio.tune.rule;

/** A rule ID given by the user names no rule; the message says which and how to list them. */
public final class UnknownRuleException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnknownRuleException(String message) {
        super(message);
    }
}
