package dev.jvirtio.blk.storage;

import dev.jvirtio.linux.Errno;
import dev.jvirtio.linux.LinuxException;
import java.nio.file.Path;

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

    /**
     * The failure to open a storage's file, as one sentence that names it ({@code kind} then
     * {@code path}, such as "image /vm/a.qcow2") and says what to do where there is something to do:
     * a missing file, denied permissions, a directory, a read-only file system, or a file system
     * without the {@code O_DIRECT} that {@code mode} needs; otherwise the call's own message.
     *
     * @param readOnly whether the file was being opened read-only, for the permission message
     * @param cause the failed {@code open}
     */
    public static StorageException openFailed(String kind, Path path, CacheMode mode, boolean readOnly,
            LinuxException cause) {
        String file = kind + " " + path;
        String message = switch (cause.errno()) {
            case Errno.ENOENT -> file + " does not exist";
            case Errno.EACCES, Errno.EPERM -> "permission denied opening " + file
                    + (readOnly ? " for reading" : " for writing; check its permissions or open it read-only");
            case Errno.EISDIR -> file + " is a directory, not an image file";
            case Errno.EROFS -> file + " is on a read-only file system; open it read-only";
            case Errno.EINVAL -> mode.direct()
                    ? "the file system holding " + file + " does not support O_DIRECT, which cache mode " + mode
                            + " needs; choose cache mode writeback"
                    : "cannot open " + file + ": " + cause.getMessage();
            default -> "cannot open " + file + ": " + cause.getMessage();
        };
        return new StorageException(message, cause);
    }
}
