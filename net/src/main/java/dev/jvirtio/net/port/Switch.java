package dev.jvirtio.net.port;

import dev.jvirtio.linux.Epoll;
import dev.jvirtio.linux.EpollEvents;
import dev.jvirtio.linux.EventFd;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.net.NetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Logger;

/**
 * An in-process L2 learning switch (NET-DPDK-SRIOV: a user-space data path): devices attach
 * through {@link SwitchPort}s, and optionally a tap interface is the uplink to the host. The
 * switch learns which endpoint each source MAC address lives behind; a frame to a known unicast
 * address goes to that endpoint alone, any other frame to every endpoint but its sender. Frames
 * between two devices never leave the JVM: the sender's transmit thread copies the frame once
 * into the receiver's inbox.
 *
 * <p>Frames keep their {@code virtio_net_hdr_v1}, offloads included; a receiving device adapts or
 * drops what its driver cannot take. Towards the uplink the host kernel is asked for plain frames
 * (no offloads), so that every device can take what comes from the host.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class Switch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Switch.class.getName());
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Frames an inbox holds when not set. */
    public static final int DEFAULT_INBOX_FRAMES = 1024;

    /** Why the switch dropped a frame. */
    public enum Drop {
        /** No endpoint behind the destination, or the destination has no running receive queue. */
        NO_RECEIVER,
        /** The destination's inbox was full. */
        INBOX_FULL,
        /** The destination is the sender itself. */
        HAIRPIN,
        /** The frame is shorter than an Ethernet header. */
        RUNT,
        /** The uplink tap refused the frame. */
        UPLINK_REJECTED
    }

    /** The frame's bytes on the heap, made once per forward for every endpoint that keeps a copy. */
    static final class FrameCopy {
        private final MemorySegment frame;
        private byte[] bytes;

        FrameCopy(MemorySegment frame) {
            this.frame = frame;
        }

        byte[] bytes() {
            if (bytes == null) {
                bytes = frame.toArray(ValueLayout.JAVA_BYTE);
            }
            return bytes;
        }
    }

    private final ConcurrentHashMap<Long, SwitchEndpoint> table = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<SwitchEndpoint> endpoints = new CopyOnWriteArrayList<>();
    private final int inboxFrames;
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong flooded = new AtomicLong();
    private final AtomicLongArray drops = new AtomicLongArray(Drop.values().length);
    private volatile Uplink uplink;

    /** A switch whose port inboxes hold {@link #DEFAULT_INBOX_FRAMES} frames per lane. */
    public Switch() {
        this(DEFAULT_INBOX_FRAMES);
    }

    public Switch(int inboxFrames) {
        if (inboxFrames < 1) {
            throw new IllegalArgumentException("inbox of " + inboxFrames + " frames");
        }
        this.inboxFrames = inboxFrames;
    }

    /**
     * Adds a port for a device with {@code lanes} queue pairs.
     *
     * @throws LinuxException if its event descriptors cannot be created
     */
    public SwitchPort addPort(String name, int lanes) throws LinuxException {
        if (lanes < 1) {
            throw new IllegalArgumentException("switch port " + name + " needs at least 1 lane, not " + lanes);
        }
        SwitchPort port = new SwitchPort(this, name, lanes, inboxFrames);
        endpoints.add(port);
        return port;
    }

    /**
     * Connects the tap interface as the uplink and starts the thread that reads it. The switch
     * owns the tap from now on and closes it on {@link #close()}.
     *
     * @throws IllegalStateException if the switch already has an uplink
     */
    public synchronized void attachUplink(TapPort tap) throws LinuxException {
        if (uplink != null) {
            throw new IllegalStateException("the switch already has the uplink " + uplink.name());
        }
        tap.acceptOffloads(0);
        Uplink u = new Uplink(tap);
        uplink = u;
        endpoints.add(u);
        u.start();
    }

    /** Frames sent to exactly one endpoint. */
    public long forwarded() {
        return forwarded.get();
    }

    /** Frames sent to every endpoint but their sender (broadcast, multicast, unknown destination). */
    public long flooded() {
        return flooded.get();
    }

    /** Frames (or copies of flooded frames) dropped for {@code reason}. */
    public long drops(Drop reason) {
        return drops.get(reason.ordinal());
    }

    /** MAC addresses learned. */
    public int learned() {
        return table.size();
    }

    void remove(SwitchEndpoint endpoint) {
        endpoints.remove(endpoint);
        table.values().removeIf(e -> e == endpoint);
    }

    /** Forwards a frame (header, then Ethernet) that {@code from} sent. */
    void forward(SwitchEndpoint from, MemorySegment frame) {
        long length = frame.byteSize();
        if (length < NetHeader.SIZE + NetHeader.ETHERNET_HEADER) {
            drops.incrementAndGet(Drop.RUNT.ordinal());
            return;
        }
        long destination = mac(frame, NetHeader.SIZE);
        long source = mac(frame, NetHeader.SIZE + 6);
        if ((source & (1L << 40)) == 0 && table.get(source) != from) {
            table.put(source, from);
        }
        FrameCopy copy = new FrameCopy(frame);
        SwitchEndpoint target = (destination & (1L << 40)) == 0 ? table.get(destination) : null;
        if (target != null) {
            if (target == from) {
                drops.incrementAndGet(Drop.HAIRPIN.ordinal());
                return;
            }
            count(target.deliver(frame, copy));
            forwarded.incrementAndGet();
            return;
        }
        for (SwitchEndpoint e : endpoints) {
            if (e != from) {
                count(e.deliver(frame, copy));
            }
        }
        flooded.incrementAndGet();
    }

    private void count(Drop drop) {
        if (drop != null) {
            drops.incrementAndGet(drop.ordinal());
        }
    }

    private static long mac(MemorySegment frame, long offset) {
        return (Short.toUnsignedLong(frame.get(BE_SHORT, offset)) << 32) | Integer.toUnsignedLong(frame.get(BE_INT, offset + 2));
    }

    /** Stops the uplink (closing its tap); ports stay usable until their devices stop. */
    @Override
    public void close() {
        Uplink u = uplink;
        if (u != null) {
            u.close();
            endpoints.remove(u);
        }
    }

    @Override
    public String toString() {
        return "Switch[endpoints=" + List.copyOf(endpoints).stream().map(SwitchEndpoint::name).toList()
                + ", forwarded=" + forwarded() + ", flooded=" + flooded() + ", learned=" + learned() + "]";
    }

    /** The tap uplink: frames to it are written by the sender's thread; a thread of its own reads it. */
    private final class Uplink implements SwitchEndpoint {
        private final TapPort tap;
        private final PortLane lane;
        private final EventFd stop;
        private final Epoll epoll;
        private final Thread reader;
        private volatile boolean stopping;

        Uplink(TapPort tap) throws LinuxException {
            this.tap = tap;
            this.lane = tap.lane(0);
            this.stop = EventFd.create();
            this.epoll = Epoll.create();
            for (int i = 0; i < tap.lanes().size(); i++) {
                epoll.add(tap.taps().get(i).fd(), Epoll.IN, i);
            }
            epoll.add(stop.fd(), Epoll.IN, -1);
            this.reader = Thread.ofPlatform().daemon().name("jvirtio-switch-uplink-" + tap.name()).unstarted(this::read);
        }

        void start() {
            reader.start();
        }

        @Override
        public String name() {
            return "uplink " + tap.name();
        }

        @Override
        public Drop deliver(MemorySegment frame, FrameCopy copy) {
            return lane.send(frame) ? null : Drop.UPLINK_REJECTED;
        }

        private void read() {
            MemorySegment buffer = Arena.ofAuto().allocate(NetHeader.MAX_FRAME_WITH_HEADER, 64);
            EpollEvents events = new EpollEvents(8);
            while (!stopping) {
                int n;
                try {
                    n = epoll.wait(events, -1);
                } catch (LinuxException e) {
                    LOG.severe("switch uplink " + tap.name() + " stops: " + e.getMessage());
                    return;
                }
                for (int i = 0; i < n && !stopping; i++) {
                    long token = events.data(i);
                    if (token < 0) {
                        continue;
                    }
                    PortLane from = tap.lane((int) token);
                    int length;
                    while ((length = from.receive(buffer)) > 0) {
                        forward(this, buffer.asSlice(0, length));
                    }
                }
            }
        }

        void close() {
            stopping = true;
            try {
                stop.signal();
                reader.join();
            } catch (LinuxException e) {
                LOG.warning("switch uplink " + tap.name() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            epoll.close();
            stop.close();
            tap.close();
        }
    }
}
