package dev.jvirtio.linux;

import java.io.IOException;

/**
 * A failed Linux system call. The message names the call with its key arguments and the error, as
 * in {@code "mmap(length=4096, fd=12): Cannot allocate memory (errno 12)"}, optionally followed by
 * a hint about the likely cause.
 *
 * <p>It is a checked {@link IOException}, like the exceptions of {@code java.nio} channels: a
 * failing system call is an I/O condition callers are expected to handle.
 */
public final class LinuxException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    private LinuxException(String call, int errno, String message) {
        super(message);
        this.call = call;
        this.errno = errno;
    }

    /**
     * The failure of {@code call} (the call's name and arguments, such as
     * {@code "open(path=/var/lib/disk.img)"}) with {@code errno}.
     */
    public static LinuxException of(String call, int errno) {
        return new LinuxException(call, errno, call + ": " + Errno.describe(errno) + " (errno " + errno + ")");
    }

    /** Like {@link #of(String, int)} with a sentence about the likely cause appended. */
    public static LinuxException of(String call, int errno, String hint) {
        return new LinuxException(call, errno,
                call + ": " + Errno.describe(errno) + " (errno " + errno + "); " + hint);
    }

    /**
     * A failure that the kernel did not report as an errno but that this library detected around
     * the call, such as a message whose file descriptors did not fit; {@link #errno()} is then 0.
     */
    public static LinuxException detected(String call, String problem) {
        return new LinuxException(call, 0, call + ": " + problem);
    }

    /** The errno the call failed with, or 0 if the failure was {@linkplain #detected detected}. */
    public int errno() {
        return errno;
    }

    /** The call's name and arguments as they appear at the start of the message. */
    public String call() {
        return call;
    }
}
