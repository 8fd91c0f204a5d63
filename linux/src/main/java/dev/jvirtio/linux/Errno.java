package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Linux error numbers, their text, and the per-thread buffer into which downcalls capture
 * {@code errno}.
 *
 * <p>The constants are the values shared by x86-64 and AArch64 ({@code asm-generic/errno.h}).
 */
@SuppressWarnings("restricted") // native access is this package's purpose
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int EPIPE = 32;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTSOCK = 88;
    public static final int EMSGSIZE = 90;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ECONNREFUSED = 111;

    private static final StructLayout STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE_LAYOUT));

    private static final MethodHandle STRERROR = Libc.plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final int CACHED = 256;
    private static final AtomicReferenceArray<String> TEXTS = new AtomicReferenceArray<>(CACHED);

    private Errno() {
    }

    /**
     * The C library's description of {@code errno}, such as "No such file or directory" for
     * {@link #ENOENT}.
     */
    public static String describe(int errno) {
        if (errno >= 0 && errno < CACHED) {
            String cached = TEXTS.get(errno);
            if (cached == null) {
                cached = strerror(errno);
                TEXTS.set(errno, cached);
            }
            return cached;
        }
        return strerror(errno);
    }

    /** The calling thread's errno capture buffer, to pass as a downcall's first argument. */
    static MemorySegment state() {
        return STATE.get();
    }

    /** The errno that the calling thread's last failed downcall captured. */
    static int last() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    private static String strerror(int errno) {
        MemorySegment text;
        try {
            text = (MemorySegment) STRERROR.invokeExact(errno);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (text.equals(MemorySegment.NULL)) {
            return "Unknown error " + errno;
        }
        return text.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
