package dev.jvirtio.blk.storage;

/**
 * A storage operation or an open that failed, with a message that names the storage and what went
 * wrong in one sentence. A virtio-blk device answers a request that fails this way with
 * {@code VIRTIO_BLK_S_IOERR}.
 *
 * <p>It is unchecked: every {@link Storage} method may throw it, and the device has one place that
 * catches it per request.
 */
public final class StorageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
