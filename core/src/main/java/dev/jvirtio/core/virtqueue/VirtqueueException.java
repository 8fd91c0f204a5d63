package dev.jvirtio.core.virtqueue;

/**
 * A violation of the virtqueue rules by the other side. The queue that met it is broken
 * ({@link DeviceQueue#failure()}) until it is reset or restarted.
 */
public final class VirtqueueException extends Exception {

    private final VirtqueueError error;

    public VirtqueueException(VirtqueueError error, String detail) {
        this(error, detail, null);
    }

    public VirtqueueException(VirtqueueError error, String detail, Throwable cause) {
        super(error + ": " + detail, cause, false, false);
        this.error = error;
    }

    public VirtqueueError error() {
        return error;
    }
}
