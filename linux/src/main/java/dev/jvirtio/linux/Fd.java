package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned file descriptor: whoever holds the {@code Fd} closes it, exactly once.
 *
 * <p>Thread-safety: {@link #close()} is idempotent and safe from any thread, but the caller must
 * make sure no other thread is still using the descriptor when it closes it (the number may be
 * reused by the next open). Reads and writes from several threads are as safe as the kernel makes
 * them for the kind of file.
 */
public final class Fd implements AutoCloseable {

    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int O_NONBLOCK = 0x800;

    private static final MethodHandle CLOSE = Libc.withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            Libc.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            Libc.withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCNTL =
            Libc.withErrnoVariadic("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);

    private final AtomicInteger value;

    private Fd(int value) {
        this.value = new AtomicInteger(value);
    }

    /**
     * Takes ownership of an open descriptor number, such as one returned by a system call or
     * received from a peer.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    public static Fd adopt(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("invalid file descriptor " + fd);
        }
        return new Fd(fd);
    }

    /**
     * The descriptor number, valid until {@link #close()}.
     *
     * @throws IllegalStateException if the descriptor is closed
     */
    public int value() {
        int fd = value.get();
        if (fd < 0) {
            throw new IllegalStateException("file descriptor is closed");
        }
        return fd;
    }

    /** Whether {@link #close()} or {@link #release()} has not been called yet. */
    public boolean isOpen() {
        return value.get() >= 0;
    }

    /**
     * A new descriptor for the same open file (shared offset and status flags), close-on-exec,
     * with {@code fcntl(F_DUPFD_CLOEXEC)}.
     */
    public Fd dup() throws LinuxException {
        int fd = value();
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            throw LinuxException.of("fcntl(fd=" + fd + ", F_DUPFD_CLOEXEC)", Errno.last());
        }
        return new Fd(copy);
    }

    /**
     * Reads at most {@code dst.byteSize()} bytes with one {@code read(2)} (retried on EINTR).
     *
     * @return the number of bytes read, 0 at end of file
     * @throws LinuxException on failure, including {@link Errno#EAGAIN} from a non-blocking
     *     descriptor with nothing to read
     */
    public long read(MemorySegment dst) throws LinuxException {
        Libc.requireNative(dst, "read buffer");
        int fd = value();
        long n;
        do {
            try {
                n = (long) READ.invokeExact(Errno.state(), fd, dst, dst.byteSize());
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (n < 0 && Errno.last() == Errno.EINTR);
        if (n < 0) {
            throw LinuxException.of("read(fd=" + fd + ", length=" + dst.byteSize() + ")", Errno.last());
        }
        return n;
    }

    /**
     * Writes at most {@code src.byteSize()} bytes with one {@code write(2)} (retried on EINTR).
     *
     * @return the number of bytes written, which may be fewer than asked
     */
    public long write(MemorySegment src) throws LinuxException {
        Libc.requireNative(src, "write buffer");
        int fd = value();
        long n;
        do {
            try {
                n = (long) WRITE.invokeExact(Errno.state(), fd, src, src.byteSize());
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (n < 0 && Errno.last() == Errno.EINTR);
        if (n < 0) {
            throw LinuxException.of("write(fd=" + fd + ", length=" + src.byteSize() + ")", Errno.last());
        }
        return n;
    }

    /** Switches {@code O_NONBLOCK} on or off for the open file (shared with its duplicates). */
    public void setNonBlocking(boolean nonBlocking) throws LinuxException {
        int fd = value();
        int flags = fcntl(fd, F_GETFL, 0);
        if (flags < 0) {
            throw LinuxException.of("fcntl(fd=" + fd + ", F_GETFL)", Errno.last());
        }
        int wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (wanted != flags && fcntl(fd, F_SETFL, wanted) < 0) {
            throw LinuxException.of("fcntl(fd=" + fd + ", F_SETFL, flags=0x" + Integer.toHexString(wanted) + ")",
                    Errno.last());
        }
    }

    /** Whether the open file has {@code O_NONBLOCK} set. */
    public boolean isNonBlocking() throws LinuxException {
        int fd = value();
        int flags = fcntl(fd, F_GETFL, 0);
        if (flags < 0) {
            throw LinuxException.of("fcntl(fd=" + fd + ", F_GETFL)", Errno.last());
        }
        return (flags & O_NONBLOCK) != 0;
    }

    /**
     * Gives up ownership without closing: the caller becomes responsible for the returned number.
     *
     * @throws IllegalStateException if the descriptor is already closed or released
     */
    public int release() {
        int fd = value.getAndSet(-1);
        if (fd < 0) {
            throw new IllegalStateException("file descriptor is closed");
        }
        return fd;
    }

    /**
     * Closes the descriptor; later calls do nothing. An interrupted close still releases the
     * descriptor on Linux and is not reported.
     *
     * @throws UncheckedIOException wrapping a {@link LinuxException} if {@code close(2)} reports
     *     an error such as a delayed write error
     */
    @Override
    public void close() {
        int fd = value.getAndSet(-1);
        if (fd < 0) {
            return;
        }
        int result;
        try {
            result = (int) CLOSE.invokeExact(Errno.state(), fd);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0 && Errno.last() != Errno.EINTR) {
            throw new UncheckedIOException(LinuxException.of("close(fd=" + fd + ")", Errno.last()));
        }
    }

    @Override
    public String toString() {
        int fd = value.get();
        return fd < 0 ? "Fd[closed]" : "Fd[" + fd + "]";
    }

    private static int fcntl(int fd, int command, int argument) {
        try {
            return (int) FCNTL.invokeExact(Errno.state(), fd, command, argument);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }
}
