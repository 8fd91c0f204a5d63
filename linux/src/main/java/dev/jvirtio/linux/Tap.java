package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * One queue of a tap interface ({@code /dev/net/tun} with {@code IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR}, Documentation/networking/tuntap.rst): every frame read or written is preceded by
 * a {@code virtio_net_hdr} of {@link #vnetHeaderSize()} bytes that carries checksum and
 * segmentation offload state, so TSO/GSO frames pass unsegmented.
 *
 * <p>The descriptor is non-blocking: {@link #read} returns 0 when no frame waits, and the
 * descriptor can be watched with {@link Epoll}. A multi-queue interface has one {@code Tap} per
 * queue, all opened with the same name.
 *
 * <p>Thread-safety: reads and writes may run on different threads; configuration calls must not
 * race with each other.
 */
@SuppressWarnings("restricted") // native access is this package's purpose
public final class Tap implements AutoCloseable {

    /** {@code TUN_F_CSUM}: the reader accepts frames whose checksum is left to be completed. */
    public static final int OFFLOAD_CSUM = 0x01;
    /** {@code TUN_F_TSO4}: the reader accepts TCP over IPv4 segmentation offload frames. */
    public static final int OFFLOAD_TSO4 = 0x02;
    /** {@code TUN_F_TSO6}: the reader accepts TCP over IPv6 segmentation offload frames. */
    public static final int OFFLOAD_TSO6 = 0x04;
    /** {@code TUN_F_TSO_ECN}: TSO frames may carry the ECN bit. */
    public static final int OFFLOAD_TSO_ECN = 0x08;
    /** {@code TUN_F_UFO}: the reader accepts UDP fragmentation offload frames. */
    public static final int OFFLOAD_UFO = 0x10;

    /** The longest interface name the kernel accepts (IFNAMSIZ - 1). */
    public static final int MAX_NAME_LENGTH = 15;

    private static final String DEVICE = "/dev/net/tun";
    private static final int O_RDWR = 0x2;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final short IFF_MULTI_QUEUE = 0x0100;
    private static final short IFF_ATTACH_QUEUE = 0x0200;
    private static final short IFF_DETACH_QUEUE = 0x0400;
    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final long TUNSETQUEUE = 0x400454d9L;
    private static final int IFREQ_SIZE = 40;
    private static final int IFREQ_FLAGS = 16;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    private static final MethodHandle OPEN =
            Libc.withErrnoVariadic("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle IOCTL_POINTER = Libc.withErrnoVariadic("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final MethodHandle IOCTL_VALUE = Libc.withErrnoVariadic("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
    private static final MethodHandle READ =
            Libc.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            Libc.withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private final Fd fd;
    private final String name;
    private final boolean multiQueue;
    private volatile int vnetHeaderSize;

    private Tap(Fd fd, String name, boolean multiQueue, int vnetHeaderSize) {
        this.fd = fd;
        this.name = name;
        this.multiQueue = multiQueue;
        this.vnetHeaderSize = vnetHeaderSize;
    }

    /**
     * Opens (creating it if needed, which needs CAP_NET_ADMIN) the tap interface {@code name} in the
     * calling thread's network namespace, with a 12-byte {@code virtio_net_hdr_v1}
     * ({@code TUNSETVNETHDRSZ}) and no offloads until {@link #setOffload}.
     *
     * @param multiQueue open one queue of a multi-queue interface ({@code IFF_MULTI_QUEUE}); call
     *     again with the same name for each further queue
     * @throws IllegalArgumentException if the name is not 1 to 15 letters, digits or {@code - _ .}
     * @throws LinuxException naming the call: {@link Errno#ENOENT} without {@code /dev/net/tun},
     *     {@link Errno#EPERM} without CAP_NET_ADMIN, {@link Errno#EINVAL} if the name is in use by
     *     another kind of interface or with other flags
     */
    public static Tap open(String name, boolean multiQueue) throws LinuxException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tap interface name '" + name
                    + "' must be 1 to " + MAX_NAME_LENGTH + " letters, digits or - _ .");
        }
        int number;
        try (Arena arena = Arena.ofConfined()) {
            number = (int) OPEN.invokeExact(Errno.state(), arena.allocateFrom(DEVICE), O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (number < 0) {
            int errno = Errno.last();
            if (errno == Errno.ENOENT) {
                throw LinuxException.of("open(path=" + DEVICE + ")", errno, "load the tun module (modprobe tun)");
            }
            throw LinuxException.of("open(path=" + DEVICE + ")", errno);
        }
        Fd fd = Fd.adopt(number);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
            byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(bytes, 0, ifreq, JAVA_BYTE, 0, bytes.length);
            short flags = (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (multiQueue ? IFF_MULTI_QUEUE : 0));
            ifreq.set(JAVA_SHORT, IFREQ_FLAGS, flags);
            ioctlPointer(number, TUNSETIFF, "TUNSETIFF, name=" + name + ", flags=0x" + Integer.toHexString(flags), ifreq);
            String actual = ifreq.getString(0, StandardCharsets.US_ASCII);
            Tap tap = new Tap(fd, actual, multiQueue, 10);
            tap.setVnetHeaderSize(12);
            return tap;
        } catch (LinuxException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** The interface name the kernel gave (the asked-for name). */
    public String name() {
        return name;
    }

    /** Whether this is one queue of a multi-queue interface. */
    public boolean multiQueue() {
        return multiQueue;
    }

    /** The descriptor, to watch with {@link Epoll} for readable frames. */
    public Fd fd() {
        return fd;
    }

    /** Bytes of {@code virtio_net_hdr} before each frame. */
    public int vnetHeaderSize() {
        return vnetHeaderSize;
    }

    /** Sets the {@code virtio_net_hdr} size ({@code TUNSETVNETHDRSZ}); the kernel accepts 10 or more. */
    public void setVnetHeaderSize(int bytes) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, bytes);
            ioctlPointer(fd.value(), TUNSETVNETHDRSZ, "TUNSETVNETHDRSZ, size=" + bytes, value);
        }
        vnetHeaderSize = bytes;
    }

    /**
     * Tells the kernel which offloaded frames this reader accepts ({@code TUNSETOFFLOAD}, a mask
     * of the {@code OFFLOAD_} constants); frames beyond them are segmented or checksummed by the
     * kernel before they are read. The kernel ignores TSO/UFO without {@link #OFFLOAD_CSUM}.
     *
     * @throws LinuxException with {@link Errno#EINVAL} if the kernel does not know a bit
     */
    public void setOffload(int offloads) throws LinuxException {
        int result;
        try {
            result = (int) IOCTL_VALUE.invokeExact(Errno.state(), fd.value(), TUNSETOFFLOAD, (long) offloads);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0) {
            throw LinuxException.of("ioctl(fd=" + fd.value() + ", TUNSETOFFLOAD, offloads=0x"
                    + Integer.toHexString(offloads) + ")", Errno.last());
        }
    }

    /**
     * Attaches this queue to its multi-queue interface or detaches it ({@code TUNSETQUEUE}): a
     * detached queue receives no frames.
     *
     * @throws IllegalStateException if the interface is not multi-queue
     */
    public void setQueueAttached(boolean attached) throws LinuxException {
        if (!multiQueue) {
            throw new IllegalStateException("tap " + name + " is not multi-queue");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE, 8);
            ifreq.set(JAVA_SHORT, IFREQ_FLAGS, attached ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE);
            ioctlPointer(fd.value(), TUNSETQUEUE, attached ? "TUNSETQUEUE, IFF_ATTACH_QUEUE" : "TUNSETQUEUE, IFF_DETACH_QUEUE",
                    ifreq);
        }
    }

    /**
     * Reads one frame with its {@code virtio_net_hdr} into {@code dst}.
     *
     * @return the bytes read, header included; 0 if no frame waits
     * @throws LinuxException if the read fails ({@link Errno#EINVAL} if {@code dst} is shorter than
     *     the frame: the frame is lost)
     */
    public int read(MemorySegment dst) throws LinuxException {
        Libc.requireNative(dst, "tap read buffer");
        int number = fd.value();
        long n;
        do {
            try {
                n = (long) READ.invokeExact(Errno.state(), number, dst, dst.byteSize());
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (n < 0 && Errno.last() == Errno.EINTR);
        if (n < 0) {
            if (Errno.last() == Errno.EAGAIN) {
                return 0;
            }
            throw LinuxException.of("read(tap=" + name + ", fd=" + number + ", length=" + dst.byteSize() + ")", Errno.last());
        }
        return (int) n;
    }

    /**
     * Writes one frame, {@code virtio_net_hdr} first, as one {@code write(2)}.
     *
     * @throws LinuxException if the kernel refuses it ({@link Errno#EINVAL} for a malformed header
     *     or frame, {@link Errno#EIO} when the interface is down)
     */
    public void write(MemorySegment src) throws LinuxException {
        Libc.requireNative(src, "tap write buffer");
        int number = fd.value();
        long n;
        do {
            try {
                n = (long) WRITE.invokeExact(Errno.state(), number, src, src.byteSize());
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (n < 0 && Errno.last() == Errno.EINTR);
        if (n < 0) {
            throw LinuxException.of("write(tap=" + name + ", fd=" + number + ", length=" + src.byteSize() + ")", Errno.last());
        }
    }

    /** Closes the queue; a non-persistent interface disappears with its last queue. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "Tap[" + name + ", " + fd + "]";
    }

    private static void ioctlPointer(int number, long request, String requestName, MemorySegment argument)
            throws LinuxException {
        int result;
        try {
            result = (int) IOCTL_POINTER.invokeExact(Errno.state(), number, request, argument);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0) {
            throw LinuxException.of("ioctl(fd=" + number + ", " + requestName + ")", Errno.last());
        }
    }
}
