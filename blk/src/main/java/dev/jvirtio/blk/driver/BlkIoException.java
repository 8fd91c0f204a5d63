package dev.jvirtio.blk.driver;

import java.io.IOException;

/**
 * A virtio-blk request that failed: the device answered an error status, broke the virtqueue
 * rules, or did not answer in time. The message names the request and the queue.
 */
public final class BlkIoException extends IOException {

    private static final long serialVersionUID = 1L;

    public BlkIoException(String message) {
        super(message);
    }

    public BlkIoException(String message, Throwable cause) {
        super(message, cause);
    }
}
