package dev.jvirtio.vhost.frontend;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.driver.QueueTransport;
import dev.jvirtio.core.driver.SharedBuffer;
import dev.jvirtio.core.virtqueue.DriverQueue;
import dev.jvirtio.linux.Epoll;
import dev.jvirtio.linux.EpollEvents;
import dev.jvirtio.linux.EventFd;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.vhost.protocol.ProtocolFeature;
import dev.jvirtio.vhost.protocol.VhostUserException;
import dev.jvirtio.vhost.protocol.VringAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A virtio device driven through a vhost-user back-end, from the driver's side: connects,
 * negotiates features and protocol features, shares memory (one memfd), sets up the driver side of
 * each queue with its kick and call eventfds, and enables the queues, in the order QEMU uses.
 *
 * <p>It is a {@link QueueTransport}: a virtio driver (jvirtio's virtio-blk driver, for one) runs on it directly.
 *
 * <p>Thread-safety: each queue is driven by one thread at a time ({@link #queue}, {@link #kick},
 * {@link #awaitCall} for the same index); different queues may be driven from different threads.
 * {@link #stop()} and {@link #close()} run when no queue is being driven.
 */
public final class VhostUserDevice implements QueueTransport, AutoCloseable {

    /** The guest-physical address the shared memory starts at. */
    public static final long GUEST_BASE = 0x1_0000_0000L;
    /** Protocol features this front-end uses when offered. */
    public static final long WANTED_PROTOCOL_FEATURES =
            ProtocolFeature.maskOf(ProtocolFeature.REPLY_ACK, ProtocolFeature.CONFIG, ProtocolFeature.MQ);

    private static final long RING_ALIGNMENT = 4096;

    /**
     * What to set up.
     *
     * @param wantedFeatures virtio features the driver can use; the negotiated set is these and the offered
     * @param queues         queues to set up, at least 1
     * @param queueSize      entries per queue, a power of 2
     * @param maxIndirect    descriptors per indirect table (0: never indirect)
     * @param configSize     bytes of config space to read with GET_CONFIG (0: none)
     * @param bufferBytes    shared memory to reserve for the driver's own buffers, besides the rings
     */
    public record Setup(long wantedFeatures, int queues, int queueSize, int maxIndirect, int configSize,
                        long bufferBytes) {

        public Setup {
            if (queues < 1) {
                throw new IllegalArgumentException("queues=" + queues + " must be at least 1");
            }
            if (bufferBytes < 0 || configSize < 0 || maxIndirect < 0) {
                throw new IllegalArgumentException("negative size in " + this);
            }
        }
    }

    private final VhostUserFrontend frontend;
    private final SharedMemory memory;
    private final long offeredFeatures;
    private final long features;
    private final long protocolFeatures;
    private final int maxQueues;
    private final byte[] config;
    private final List<Link> links = new ArrayList<>();
    private boolean stopped;

    /** The driver's end of one queue. */
    private record Link(DriverQueue queue, EventFd kick, EventFd call, Epoll epoll, EpollEvents events) {

        void close() {
            epoll.close();
            kick.close();
            call.close();
        }
    }

    private VhostUserDevice(VhostUserFrontend frontend, SharedMemory memory, long offeredFeatures, long features,
                            long protocolFeatures, int maxQueues, byte[] config) {
        this.frontend = frontend;
        this.memory = memory;
        this.offeredFeatures = offeredFeatures;
        this.features = features;
        this.protocolFeatures = protocolFeatures;
        this.maxQueues = maxQueues;
        this.config = config;
    }

    /**
     * Connects to the back-end at {@code socketPath} and starts {@code setup.queues()} queues.
     *
     * @throws VhostUserException with one sentence if the socket cannot be reached, the back-end
     *     lacks VERSION_1 or the queues asked for, or rejects a request
     * @throws LinuxException if memory or eventfds cannot be created
     */
    public static VhostUserDevice start(Path socketPath, Setup setup) throws VhostUserException, LinuxException {
        return start(socketPath, setup, Duration.ZERO);
    }

    /**
     * Like {@link #start(Path, Setup)}, retrying the connection for up to {@code connectPatience}
     * while the back-end is still starting ({@link VhostUserFrontend#connect(Path, Duration)}).
     */
    public static VhostUserDevice start(Path socketPath, Setup setup, Duration connectPatience)
            throws VhostUserException, LinuxException {
        VhostUserFrontend frontend = VhostUserFrontend.connect(socketPath, connectPatience);
        SharedMemory memory = null;
        VhostUserDevice device = null;
        try {
            long offered = frontend.getFeatures();
            // vhost-user.rst: protocol features exist only if the back-end sets bit 30.
            boolean hasProtocolFeatures = VirtioFeatures.has(offered, ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES);
            long protocol = 0;
            if (hasProtocolFeatures) {
                protocol = frontend.getProtocolFeatures() & WANTED_PROTOCOL_FEATURES;
                frontend.setProtocolFeatures(protocol);
            }
            int maxQueues = ProtocolFeature.MQ.in(protocol) ? frontend.getQueueNum() : 1;
            frontend.setOwner();
            if (setup.queues() > maxQueues) {
                throw new VhostUserException("the back-end at " + socketPath + " serves at most " + maxQueues
                        + (maxQueues == 1 ? " queue" : " queues") + ", " + setup.queues() + " were asked for");
            }
            // VIRTIO 1.2, 6: the rings are laid out little-endian, as VERSION_1 devices expect.
            if (!VirtioFeatures.has(offered, VirtioFeatures.VERSION_1)) {
                throw new VhostUserException("the back-end at " + socketPath
                        + " does not offer VIRTIO_F_VERSION_1; only modern virtio devices can be driven");
            }
            byte[] config = new byte[0];
            if (setup.configSize() > 0 && ProtocolFeature.CONFIG.in(protocol)) {
                config = frontend.getConfig(0, setup.configSize());
            }
            long features = offered & (setup.wantedFeatures() | VirtioFeatures.bit(VirtioFeatures.VERSION_1));
            if (hasProtocolFeatures) {
                features |= VirtioFeatures.bit(ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES);
            }
            frontend.setFeatures(features);

            long ringBytes = DriverQueue.requiredBytes(setup.queueSize(), setup.maxIndirect()) + RING_ALIGNMENT;
            memory = SharedMemory.create("jvirtio-frontend", ringBytes * setup.queues() + setup.bufferBytes()
                    + RING_ALIGNMENT, GUEST_BASE);
            frontend.setMemTable(List.of(memory.region()), List.of(memory.fd()));
            device = new VhostUserDevice(frontend, memory, offered, features, protocol, maxQueues, config);
            for (int i = 0; i < setup.queues(); i++) {
                device.startQueue(i, setup);
            }
            for (int i = 0; i < setup.queues(); i++) {
                frontend.setVringEnable(i, true);
            }
            return device;
        } catch (VhostUserException | LinuxException | RuntimeException e) {
            if (device != null) {
                device.closeLinks();
            }
            if (memory != null) {
                memory.close();
            }
            frontend.close();
            throw e;
        }
    }

    private void startQueue(int index, Setup setup) throws VhostUserException, LinuxException {
        int size = setup.queueSize();
        SharedBuffer area = memory.allocate(DriverQueue.requiredBytes(size, setup.maxIndirect()), RING_ALIGNMENT);
        DriverQueue queue = DriverQueue.create(size, area.segment(), area.deviceAddress(), features, setup.maxIndirect());
        EventFd kick = EventFd.create();
        EventFd call = EventFd.create();
        Epoll epoll = Epoll.create();
        links.add(new Link(queue, kick, call, epoll, new EpollEvents(1)));
        epoll.add(call.fd(), Epoll.IN, index);
        frontend.setVringNum(index, size);
        frontend.setVringBase(index, 0);
        frontend.setVringAddr(new VringAddress(index, 0, memory.userAddress(queue.descriptorTableAddress()),
                memory.userAddress(queue.usedRingAddress()), memory.userAddress(queue.availRingAddress()), 0));
        frontend.setVringKick(index, kick.fd());
        frontend.setVringCall(index, call.fd());
    }

    /** The virtio features the back-end offered (bit 30 included if it has protocol features). */
    public long offeredFeatures() {
        return offeredFeatures;
    }

    /** The virtio features negotiated with SET_FEATURES. */
    @Override
    public long features() {
        return features;
    }

    /** The protocol features negotiated with SET_PROTOCOL_FEATURES. */
    public long protocolFeatures() {
        return protocolFeatures;
    }

    /** The most queues the back-end serves (GET_QUEUE_NUM, or 1 without MQ). */
    public int maxQueues() {
        return maxQueues;
    }

    /** The config space read at start; empty if the back-end lacks the CONFIG protocol feature. */
    @Override
    public byte[] config() {
        return config.clone();
    }

    /** Number of queues set up. */
    @Override
    public int queueCount() {
        return links.size();
    }

    /** The driver side of queue {@code index}. */
    @Override
    public DriverQueue queue(int index) {
        return links.get(index).queue();
    }

    /** Notifies the back-end that queue {@code index} has new available buffers. */
    @Override
    public void kick(int index) throws LinuxException {
        links.get(index).kick().signal();
    }

    /**
     * Waits until the back-end signals queue {@code index}'s call eventfd or {@code timeoutNanos}
     * pass, and consumes the signal.
     *
     * @return true if a signal came
     */
    @Override
    public boolean awaitCall(int index, long timeoutNanos) throws LinuxException {
        Link link = links.get(index);
        if (link.call().drain() != 0) {
            return true;
        }
        long millis = Math.min(Integer.MAX_VALUE, Math.max(0, (timeoutNanos + 999_999) / 1_000_000));
        if (link.epoll().wait(link.events(), (int) millis) == 0) {
            return false;
        }
        return link.call().drain() != 0;
    }

    /** Takes zero-filled bytes of the shared memory for the driver's buffers. */
    @Override
    public SharedBuffer allocate(long bytes, long alignment) {
        return memory.allocate(bytes, alignment);
    }

    /**
     * Stops every queue (SET_VRING_ENABLE 0, then GET_VRING_BASE) and returns the avail index
     * each would have read next. Buffers still available are not processed after this.
     */
    public int[] stop() throws VhostUserException {
        int[] bases = new int[links.size()];
        for (int i = 0; i < links.size(); i++) {
            frontend.setVringEnable(i, false);
        }
        for (int i = 0; i < links.size(); i++) {
            bases[i] = frontend.getVringBase(i);
        }
        stopped = true;
        return bases;
    }

    /** Whether {@link #stop()} has run. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * Stops the queues as {@link #stop()} does, as far as the back-end answers (disconnecting stops
     * them as well), then {@link #close()}s.
     */
    public void stopAndClose() {
        try {
            stop();
        } catch (VhostUserException ignored) {
            // disconnecting stops the queues as well
        }
        close();
    }

    /** Disconnects, then closes the eventfds and unmaps the shared memory. Later calls do nothing. */
    @Override
    public void close() {
        frontend.close();
        closeLinks();
        memory.close();
    }

    private void closeLinks() {
        links.forEach(Link::close);
    }
}
