package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * An epoll instance ({@code epoll(7)}): one I/O thread waits on many descriptors (kick eventfds,
 * sockets) and learns which are ready and the 64-bit data each was registered with.
 *
 * <p>Thread-safety: {@link #add}, {@link #modify} and {@link #remove} may be called from any
 * thread, also while another thread waits; each {@link EpollEvents} belongs to one waiting thread.
 */
public final class Epoll implements AutoCloseable {

    /** Readable. */
    public static final int IN = 0x001;
    /** Urgent data. */
    public static final int PRI = 0x002;
    /** Writable. */
    public static final int OUT = 0x004;
    /** Error condition; always reported. */
    public static final int ERR = 0x008;
    /** Hang-up; always reported. */
    public static final int HUP = 0x010;
    /** The peer shut down its writing side. */
    public static final int RDHUP = 0x2000;
    /** Report once, then disable until {@link #modify}. */
    public static final int ONESHOT = 1 << 30;
    /** Edge-triggered: report a change of readiness once. */
    public static final int ET = 1 << 31;

    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;

    private static final MethodHandle EPOLL_CREATE1 =
            Libc.withErrno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL =
            Libc.withErrno("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT =
            Libc.withErrno("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

    private final Fd fd;

    private Epoll(Fd fd) {
        this.fd = fd;
    }

    /** Creates a close-on-exec epoll instance. */
    public static Epoll create() throws LinuxException {
        int number;
        try {
            number = (int) EPOLL_CREATE1.invokeExact(Errno.state(), EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (number < 0) {
            throw LinuxException.of("epoll_create1(EPOLL_CLOEXEC)", Errno.last());
        }
        return new Epoll(Fd.adopt(number));
    }

    /**
     * Starts watching {@code target} for {@code events} ({@link #IN}, {@link #OUT}, {@link #ET}...),
     * reporting {@code data} when it is ready.
     *
     * @throws LinuxException with {@link Errno#EEXIST} if it is already watched
     */
    public void add(Fd target, int events, long data) throws LinuxException {
        control(EPOLL_CTL_ADD, "EPOLL_CTL_ADD", target, events, data);
    }

    /** Changes the events and data of a watched descriptor. */
    public void modify(Fd target, int events, long data) throws LinuxException {
        control(EPOLL_CTL_MOD, "EPOLL_CTL_MOD", target, events, data);
    }

    /**
     * Stops watching {@code target}. (Closing a descriptor also stops watching it, once every
     * duplicate of it is closed.)
     */
    public void remove(Fd target) throws LinuxException {
        control(EPOLL_CTL_DEL, "EPOLL_CTL_DEL", target, 0, 0);
    }

    /**
     * Waits until at least one watched descriptor is ready or the timeout passes, and fills
     * {@code events} from index 0.
     *
     * @param timeoutMillis -1 waits without limit, 0 returns at once
     * @return the number of ready descriptors filled in; 0 on timeout or if a signal interrupted
     *     the wait
     */
    public int wait(EpollEvents events, int timeoutMillis) throws LinuxException {
        int epoll = fd.value();
        int ready;
        try {
            ready = (int) EPOLL_WAIT.invokeExact(Errno.state(), epoll, events.segment(), events.capacity(),
                    timeoutMillis);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (ready < 0) {
            if (Errno.last() == Errno.EINTR) {
                return 0;
            }
            throw LinuxException.of("epoll_wait(epfd=" + epoll + ", timeout=" + timeoutMillis + ")", Errno.last());
        }
        return ready;
    }

    /** The epoll descriptor itself (it can be watched by another epoll). */
    public Fd fd() {
        return fd;
    }

    /** Closes the epoll instance; later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    private void control(int operation, String operationName, Fd target, int events, long data) throws LinuxException {
        int epoll = fd.value();
        int number = target.value();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(EpollEvents.LAYOUT);
            EpollEvents.write(event, events, data);
            result = (int) EPOLL_CTL.invokeExact(Errno.state(), epoll, operation, number, event);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0) {
            throw LinuxException.of("epoll_ctl(epfd=" + epoll + ", " + operationName + ", fd=" + number
                    + ", events=0x" + Integer.toHexString(events) + ")", Errno.last());
        }
    }
}
