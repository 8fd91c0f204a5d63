package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Anonymous memory files ({@code memfd_create(2)}): the memory that guest RAM is shared through,
 * and that a test can hand to a peer over a UNIX socket.
 */
public final class MemFd {

    private static final int MFD_CLOEXEC = 0x1;
    private static final int MFD_ALLOW_SEALING = 0x2;

    private static final MethodHandle MEMFD_CREATE =
            Libc.withErrno("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE =
            Libc.withErrno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

    private MemFd() {
    }

    /**
     * Creates a close-on-exec memory file of {@code size} bytes (zero-filled, allocated lazily).
     *
     * @param name shown in {@code /proc/PID/fd} as {@code memfd:NAME}; at most 249 bytes
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public static Fd create(String name, long size) throws LinuxException {
        if (size < 0) {
            throw new IllegalArgumentException("memfd size must not be negative: " + size);
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            fd = (int) MEMFD_CREATE.invokeExact(Errno.state(), cName, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (fd < 0) {
            throw LinuxException.of("memfd_create(name=" + name + ")", Errno.last());
        }
        Fd owned = Fd.adopt(fd);
        int result;
        try {
            result = (int) FTRUNCATE.invokeExact(Errno.state(), fd, size);
        } catch (Throwable t) {
            owned.close();
            throw Libc.unexpected(t);
        }
        if (result < 0) {
            LinuxException failure = LinuxException.of("ftruncate(fd=" + fd + ", length=" + size + ")", Errno.last());
            owned.close();
            throw failure;
        }
        return owned;
    }
}
