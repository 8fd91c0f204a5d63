package dev.jvirtio.tune.host;

/** A capture archive could not be written or read; the message names the file and the cause. */
public final class CaptureException extends Exception {
    private static final long serialVersionUID = 1L;

    public CaptureException(String message) {
        super(message);
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
    }
}
