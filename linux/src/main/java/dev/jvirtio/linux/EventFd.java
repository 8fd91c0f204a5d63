package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * An event counter ({@code eventfd(2)}): the kick and call notifications of a virtqueue.
 *
 * <p>Thread-safety: {@link #signal()} and {@link #drain()} may be called from any threads
 * concurrently; the kernel keeps the counter consistent.
 */
public final class EventFd implements AutoCloseable {

    private static final int EFD_SEMAPHORE = 0x1;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final long COUNTER_BYTES = 8;

    private static final MethodHandle EVENTFD =
            Libc.withErrno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            Libc.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            Libc.withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private final Fd fd;

    private EventFd(Fd fd) {
        this.fd = fd;
    }

    /**
     * Creates a close-on-exec eventfd with counter 0.
     *
     * @param nonBlocking {@link #drain()} returns 0 instead of waiting when the counter is 0
     * @param semaphore each {@link #drain()} takes 1 from the counter instead of all of it
     */
    public static EventFd create(boolean nonBlocking, boolean semaphore) throws LinuxException {
        int flags = EFD_CLOEXEC | (nonBlocking ? EFD_NONBLOCK : 0) | (semaphore ? EFD_SEMAPHORE : 0);
        int number;
        try {
            number = (int) EVENTFD.invokeExact(Errno.state(), 0, flags);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (number < 0) {
            throw LinuxException.of("eventfd(flags=0x" + Integer.toHexString(flags) + ")", Errno.last());
        }
        return new EventFd(Fd.adopt(number));
    }

    /** A non-blocking, counting eventfd: the usual kind for notifications polled with epoll. */
    public static EventFd create() throws LinuxException {
        return create(true, false);
    }

    /**
     * Takes ownership of an eventfd received from a peer (a vhost-user kick or call fd). Whether
     * it blocks is whatever the peer created it with; {@link #drain()} treats EAGAIN as 0 either way.
     */
    public static EventFd wrap(Fd fd) {
        return new EventFd(fd);
    }

    /** Adds 1 to the counter, waking whoever waits on the eventfd. */
    public void signal() throws LinuxException {
        add(1);
    }

    /**
     * Adds {@code value} to the counter. If the counter is already at its maximum and the eventfd
     * is non-blocking, the signal is already pending and this returns without adding.
     *
     * @throws IllegalArgumentException if {@code value} is 0 or -1 (the kernel's reserved values)
     */
    public void add(long value) throws LinuxException {
        if (value == 0 || value == -1) {
            throw new IllegalArgumentException("eventfd increment must not be " + value);
        }
        int number = fd.value();
        MemorySegment counter = Scratch.get();
        counter.set(JAVA_LONG, 0, value);
        long n;
        do {
            try {
                n = (long) WRITE.invokeExact(Errno.state(), number, counter, COUNTER_BYTES);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (n < 0 && Errno.last() == Errno.EINTR);
        if (n < 0 && Errno.last() != Errno.EAGAIN) {
            throw LinuxException.of("write(eventfd=" + number + ", value=" + value + ")", Errno.last());
        }
    }

    /**
     * Reads and resets the counter (or takes 1 from it in semaphore mode).
     *
     * @return the counter's value before the read, or 1 in semaphore mode; 0 if the counter was 0
     *     and the eventfd is non-blocking (a blocking eventfd waits for a signal instead)
     */
    public long drain() throws LinuxException {
        int number = fd.value();
        MemorySegment counter = Scratch.get();
        long n;
        do {
            try {
                n = (long) READ.invokeExact(Errno.state(), number, counter, COUNTER_BYTES);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (n < 0 && Errno.last() == Errno.EINTR);
        if (n < 0) {
            if (Errno.last() == Errno.EAGAIN) {
                return 0;
            }
            throw LinuxException.of("read(eventfd=" + number + ")", Errno.last());
        }
        if (n != COUNTER_BYTES) {
            throw LinuxException.detected("read(eventfd=" + number + ")",
                    "read " + n + " bytes instead of 8; the descriptor is not an eventfd");
        }
        return counter.get(JAVA_LONG, 0);
    }

    /** The underlying descriptor, to register with {@link Epoll} or send to a peer. */
    public Fd fd() {
        return fd;
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "EventFd[" + fd + "]";
    }
}
