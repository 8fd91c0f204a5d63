package dev.jvirtio.tune.guest;

/**
 * A guest configuration could not be read: a malformed domain XML, an unreadable command-line file,
 * a libvirt URI that does not answer. The message is one sentence naming the thing and the cause.
 */
public final class GuestConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public GuestConfigException(String message) {
        super(message);
    }

    public GuestConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
