package dev.jvirtio.cli;

/**
 * An error a user can meet and fix (a missing image, a socket in use): printed as one line, never
 * with a stack trace, exit code 1.
 */
public final class UserError extends RuntimeException {

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
