package dev.jvirtio.tune.image;

/**
 * A disk image could not be inspected: it is missing, unreadable, or its structures are corrupt or
 * hostile. The message is one sentence naming the image and what is wrong.
 */
public final class ImageException extends Exception {
    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
