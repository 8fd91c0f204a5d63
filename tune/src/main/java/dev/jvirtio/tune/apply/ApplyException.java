package dev.jvirtio.tune.apply;

/**
 * An apply or rollback that cannot go ahead or could not finish, for a reason a person can act on:
 * another run holds the lock, the transaction does not exist, a target changed since it was
 * applied. The message is one sentence naming the thing.
 */
public final class ApplyException extends Exception {
    private static final long serialVersionUID = 1L;

    public ApplyException(String message) {
        super(message);
    }

    public ApplyException(String message, Throwable cause) {
        super(message, cause);
    }
}
