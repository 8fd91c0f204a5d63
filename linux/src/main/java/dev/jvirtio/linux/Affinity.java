package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.BitSet;

/**
 * The CPUs a thread may run on ({@code sched_setaffinity(2)}), for pinning I/O threads.
 *
 * <p>These methods act on the calling OS thread: call them from a platform thread (a virtual
 * thread would pin its carrier, which other virtual threads share).
 */
public final class Affinity {

    private static final int CALLING_THREAD = 0;
    private static final int MAX_CPUS = 1 << 16;

    private static final MethodHandle SET = Libc.withErrno("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle GET = Libc.withErrno("sched_getaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETTID = Libc.plain("gettid", FunctionDescriptor.of(JAVA_INT));

    private Affinity() {
    }

    /**
     * Restricts the calling thread to {@code cpus} (bit n set: CPU n allowed).
     *
     * @throws IllegalArgumentException if {@code cpus} is empty
     * @throws LinuxException with {@link Errno#EINVAL} if none of the CPUs is online or allowed
     *     by the thread's cpuset
     */
    public static void setCurrentThread(BitSet cpus) throws LinuxException {
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("a thread needs at least one CPU to run on");
        }
        long[] words = cpus.toLongArray();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(JAVA_LONG, words.length);
            MemorySegment.copy(words, 0, mask, JAVA_LONG, 0, words.length);
            result = (int) SET.invokeExact(Errno.state(), CALLING_THREAD, mask.byteSize(), mask);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0) {
            throw LinuxException.of("sched_setaffinity(tid=" + threadId() + ", cpus=" + Cpus.format(cpus) + ")",
                    Errno.last());
        }
    }

    /** The CPUs the calling thread may run on. */
    public static BitSet currentThread() throws LinuxException {
        for (int bits = 1024; ; bits *= 2) {
            int result;
            int errno;
            long[] words = new long[bits / Long.SIZE];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mask = arena.allocate(JAVA_LONG, words.length);
                result = (int) GET.invokeExact(Errno.state(), CALLING_THREAD, mask.byteSize(), mask);
                errno = result < 0 ? Errno.last() : 0;
                MemorySegment.copy(mask, JAVA_LONG, 0, words, 0, words.length);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (result == 0) {
                return BitSet.valueOf(words);
            }
            // EINVAL: the kernel's CPU mask is larger than the buffer.
            if (errno != Errno.EINVAL || bits >= MAX_CPUS) {
                throw LinuxException.of("sched_getaffinity(tid=" + threadId() + ")", errno);
            }
        }
    }

    /** The calling thread's kernel thread id ({@code gettid(2)}), as shown in {@code /proc/PID/task}. */
    public static int threadId() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }
}
