package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.device.QueueDrain;
import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.core.device.QueueHandlers;
import dev.jvirtio.core.device.QueueStats;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.device.VirtioDevice;
import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.memory.GuestMemoryException;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.SplitRingLayout;
import dev.jvirtio.core.virtqueue.VirtqueueException;
import dev.jvirtio.linux.EventFd;
import dev.jvirtio.linux.Fd;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.vhost.protocol.ConfigPayload;
import dev.jvirtio.vhost.protocol.MemoryRegionDescription;
import dev.jvirtio.vhost.protocol.Message;
import dev.jvirtio.vhost.protocol.ProtocolFeature;
import dev.jvirtio.vhost.protocol.Request;
import dev.jvirtio.vhost.protocol.VhostUserChannel;
import dev.jvirtio.vhost.protocol.VhostUserException;
import dev.jvirtio.vhost.protocol.VringAddress;
import dev.jvirtio.vhost.protocol.VringState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.logging.Logger;

/**
 * One front-end connection to a vhost-user back-end (QEMU docs/interop/vhost-user.rst): answers
 * every front-end message, maps the guest memory it shares, and starts and stops the device's
 * queues on the I/O threads as the ring state rules say. Runs on the thread that reads the socket.
 *
 * <p>A malformed or unsupported message ends the connection with a {@link VhostUserException}; the
 * caller logs it and accepts the next front-end.
 */
final class BackendConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BackendConnection.class.getName());

    /** The protocol features this back-end implements. */
    static final long OFFERED_PROTOCOL_FEATURES = ProtocolFeature.maskOf(ProtocolFeature.MQ,
            ProtocolFeature.REPLY_ACK, ProtocolFeature.BACKEND_REQ, ProtocolFeature.CONFIG,
            ProtocolFeature.RESET_DEVICE, ProtocolFeature.CONFIGURE_MEM_SLOTS);
    /** Memory slots offered with CONFIGURE_MEM_SLOTS. */
    static final int MAX_MEM_SLOTS = 32;
    private static final int BATCH = 64;

    private final VirtioDevice device;
    private final VhostUserChannel channel;
    private final List<QueueThread> threads;
    private final QueueStats[] stats;
    private final Vring[] vrings;
    private final GuestMapping mapping = new GuestMapping(MAX_MEM_SLOTS);
    private long ackedFeatures;
    private long protocolFeatures;
    private boolean featuresNegotiated;
    private boolean protocolFeaturesNegotiated;
    private Fd backendRequestFd;
    private final long pollNanos;

    BackendConnection(VirtioDevice device, VhostUserChannel channel, List<QueueThread> threads, QueueStats[] stats,
                      long pollNanos) {
        this.pollNanos = pollNanos;
        this.device = device;
        this.channel = channel;
        this.threads = threads;
        this.stats = stats;
        this.vrings = new Vring[device.maxQueues()];
        for (int i = 0; i < vrings.length; i++) {
            vrings[i] = new Vring(i, stats[i]);
        }
    }

    /** The device's features plus VHOST_USER_F_PROTOCOL_FEATURES. */
    private long offeredFeatures() {
        return device.offeredFeatures() | (1L << ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES);
    }

    /**
     * Serves messages until the front-end disconnects.
     *
     * @throws VhostUserException on a protocol violation (the connection must be closed)
     * @throws LinuxException     on a socket error
     */
    void serve() throws VhostUserException, LinuxException {
        Message m;
        while ((m = channel.receive()) != null) {
            try {
                handle(m);
            } finally {
                m.closeFds();
            }
        }
    }

    private void handle(Message m) throws VhostUserException, LinuxException {
        Request request = m.request();
        if (request == null) {
            throw new VhostUserException("unknown request code " + m.requestCode());
        }
        if (m.isReply() || (m.flags() & Message.VERSION_MASK) != Message.VERSION) {
            throw new VhostUserException(m.name() + ": bad header flags 0x" + Integer.toHexString(m.flags()));
        }
        LOG.finer(() -> "<- " + m);
        byte[] reply = switch (request) {
            case GET_FEATURES -> Message.u64Payload(offeredFeatures());
            case SET_FEATURES -> { setFeatures(m.u64()); yield null; }
            case SET_OWNER -> { m.expectSize(0); yield null; }
            case RESET_OWNER, RESET_DEVICE -> { resetDevice(); yield null; }
            case GET_PROTOCOL_FEATURES -> Message.u64Payload(OFFERED_PROTOCOL_FEATURES);
            case SET_PROTOCOL_FEATURES -> { setProtocolFeatures(m.u64()); yield null; }
            case GET_QUEUE_NUM -> Message.u64Payload(device.maxQueues());
            case GET_MAX_MEM_SLOTS -> Message.u64Payload(MAX_MEM_SLOTS);
            case SET_MEM_TABLE -> { setMemTable(m); yield null; }
            case ADD_MEM_REG -> { addMemRegion(m); yield null; }
            case REM_MEM_REG -> { removeMemRegion(m); yield null; }
            case SET_VRING_NUM -> { setVringNum(VringState.decode(m)); yield null; }
            case SET_VRING_ADDR -> { setVringAddr(VringAddress.decode(m)); yield null; }
            case SET_VRING_BASE -> { setVringBase(VringState.decode(m)); yield null; }
            case GET_VRING_BASE -> getVringBase(VringState.decode(m)).encode();
            case SET_VRING_KICK -> { setVringKick(m); yield null; }
            case SET_VRING_CALL -> { setVringCall(m); yield null; }
            case SET_VRING_ERR -> { setVringErr(m); yield null; }
            case SET_VRING_ENABLE -> { setVringEnable(VringState.decode(m)); yield null; }
            case GET_CONFIG -> getConfig(ConfigPayload.decode(m)).encode();
            case SET_CONFIG -> { setConfig(ConfigPayload.decode(m)); yield null; }
            case SET_BACKEND_REQ_FD -> { setBackendRequestFd(m); yield null; }
            default -> throw new VhostUserException(m.name() + " is not supported by this back-end");
        };
        if (reply != null) {
            send(Message.reply(m.requestCode(), reply));
        } else if (m.needsReply() && ProtocolFeature.REPLY_ACK.in(protocolFeatures)) {
            // vhost-user.rst, REPLY_ACK: a u64 of zero acknowledges success.
            send(Message.reply(m.requestCode(), Message.u64Payload(0)));
        }
    }

    private void send(Message reply) throws LinuxException {
        LOG.finer(() -> "-> " + reply);
        channel.send(reply);
    }

    private void setFeatures(long features) throws VhostUserException {
        if ((features & ~offeredFeatures()) != 0) {
            throw new VhostUserException("SET_FEATURES acks features not offered: 0x"
                    + Long.toHexString(features & ~offeredFeatures()));
        }
        ackedFeatures = features;
        featuresNegotiated = true;
        protocolFeaturesNegotiated = (features & (1L << ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES)) != 0;
        device.activate(features & ~(1L << ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES));
    }

    private void setProtocolFeatures(long features) throws VhostUserException {
        if ((features & ~OFFERED_PROTOCOL_FEATURES) != 0) {
            throw new VhostUserException("SET_PROTOCOL_FEATURES acks features not offered: 0x"
                    + Long.toHexString(features & ~OFFERED_PROTOCOL_FEATURES));
        }
        protocolFeatures = features;
    }

    private void setMemTable(Message m) throws VhostUserException {
        List<MemoryRegionDescription> regions = MemoryRegionDescription.decodeTable(m);
        changeMemory(() -> {
            mapping.close();
            for (int i = 0; i < regions.size(); i++) {
                mapping.add(regions.get(i), m.fds().get(i));
            }
        });
    }

    private void addMemRegion(Message m) throws VhostUserException {
        MemoryRegionDescription d = MemoryRegionDescription.decodeSingle(m);
        Fd fd = m.singleFd();
        changeMemory(() -> mapping.add(d, fd));
    }

    private void removeMemRegion(Message m) throws VhostUserException {
        MemoryRegionDescription d = MemoryRegionDescription.decodeSingle(m);
        changeMemory(() -> mapping.remove(d));
    }

    private interface MemoryChange {
        void apply() throws VhostUserException;
    }

    /** Pauses running queues, changes the mapping, and resumes them over the new memory. */
    private void changeMemory(MemoryChange change) throws VhostUserException {
        boolean[] wasRunning = new boolean[vrings.length];
        for (Vring v : vrings) {
            wasRunning[v.index] = v.running != null;
            stop(v);
        }
        change.apply();
        for (Vring v : vrings) {
            if (wasRunning[v.index]) {
                startIfRunnable(v);
            }
        }
    }

    private Vring vring(long index, String request) throws VhostUserException {
        if (index < 0 || index >= vrings.length) {
            throw new VhostUserException(request + ": vring index=" + index + " outside 0.." + (vrings.length - 1));
        }
        return vrings[(int) index];
    }

    private void setVringNum(VringState s) throws VhostUserException {
        Vring v = vring(s.index(), "SET_VRING_NUM");
        // VIRTIO 1.2, 2.7: a split queue's size is a power of 2 no larger than 32768.
        if (!SplitRingLayout.isValidQueueSize((int) Math.min(s.num(), Integer.MAX_VALUE)) || s.num() > device.maxQueueSize()) {
            throw new VhostUserException("SET_VRING_NUM: vring " + v.index + " size=" + s.num()
                    + " is not a power of 2 up to " + device.maxQueueSize());
        }
        requireStopped(v, "SET_VRING_NUM");
        v.size = (int) s.num();
    }

    private void setVringAddr(VringAddress a) throws VhostUserException {
        Vring v = vring(Integer.toUnsignedLong(a.index()), "SET_VRING_ADDR");
        boolean restart = v.running != null;
        stop(v);
        v.address = a;
        if (restart) {
            startIfRunnable(v);
        }
    }

    private void setVringBase(VringState s) throws VhostUserException {
        Vring v = vring(s.index(), "SET_VRING_BASE");
        requireStopped(v, "SET_VRING_BASE");
        // For split rings only the low 16 bits carry the next available index.
        v.base = (int) (s.num() & 0xffff);
    }

    private void requireStopped(Vring v, String request) throws VhostUserException {
        if (v.running != null) {
            throw new VhostUserException(request + " on vring " + v.index + " while it runs");
        }
    }

    /** vhost-user.rst, GET_VRING_BASE: stops the ring and replies with its next available index. */
    private VringState getVringBase(VringState s) throws VhostUserException {
        Vring v = vring(s.index(), "GET_VRING_BASE");
        stop(v);
        v.started = false;
        if (v.kick != null) {
            v.kick.close();
            v.kick = null;
        }
        return new VringState(v.index, v.base);
    }

    /** The vring index of a SET_VRING_KICK/CALL/ERR u64, and whether an fd must have come. */
    private Vring fdVring(Message m) throws VhostUserException {
        long payload = m.u64();
        if ((payload & ~(Message.VRING_INDEX_MASK | Message.VRING_NOFD_MASK)) != 0) {
            throw new VhostUserException(m.name() + ": reserved bits set in 0x" + Long.toHexString(payload));
        }
        boolean noFd = (payload & Message.VRING_NOFD_MASK) != 0;
        if (noFd != m.fds().isEmpty() || m.fds().size() > 1) {
            throw new VhostUserException(m.name() + ": " + m.fds().size() + " fds with nofd=" + noFd);
        }
        return vring(payload & Message.VRING_INDEX_MASK, m.name());
    }

    private static EventFd takeEventFd(Message m) throws VhostUserException {
        if (m.fds().isEmpty()) {
            return null;
        }
        try {
            return EventFd.wrap(m.singleFd().dup());
        } catch (LinuxException e) {
            throw new VhostUserException(m.name() + ": " + e.getMessage(), e);
        }
    }

    private void setVringKick(Message m) throws VhostUserException {
        Vring v = fdVring(m);
        if (m.fds().isEmpty()) {
            throw new VhostUserException("SET_VRING_KICK without an fd (polling mode) is not supported");
        }
        stop(v);
        if (v.kick != null) {
            v.kick.close();
        }
        v.kick = takeEventFd(m);
        v.started = true;
        // vhost-user.rst: without VHOST_USER_F_PROTOCOL_FEATURES a ring is enabled when it starts.
        if (!protocolFeaturesNegotiated) {
            v.enabled = true;
        }
        startIfRunnable(v);
    }

    private void setVringCall(Message m) throws VhostUserException {
        Vring v = fdVring(m);
        EventFd next = takeEventFd(m);
        Runnable swap = () -> {
            EventFd old = v.call;
            v.call = next;
            if (old != null) {
                old.close();
            }
        };
        // SET_VRING_CALL may come at any time: swap on the I/O thread so no signal races the close.
        if (v.running != null) {
            threadFor(v).call(swap);
        } else {
            swap.run();
        }
    }

    private void setVringErr(Message m) throws VhostUserException {
        Vring v = fdVring(m);
        EventFd next = takeEventFd(m);
        Runnable swap = () -> {
            if (v.err != null) {
                v.err.close();
            }
            v.err = next;
        };
        if (v.running != null) {
            threadFor(v).call(swap);
        } else {
            swap.run();
        }
    }

    private void setVringEnable(VringState s) throws VhostUserException {
        Vring v = vring(s.index(), "SET_VRING_ENABLE");
        if (s.num() > 1) {
            throw new VhostUserException("SET_VRING_ENABLE: vring " + v.index + " num=" + s.num() + " is not 0 or 1");
        }
        v.enabled = s.num() == 1;
        if (v.enabled) {
            startIfRunnable(v);
        } else {
            stop(v);
        }
    }

    private ConfigPayload getConfig(ConfigPayload request) {
        byte[] data = new byte[request.size()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, request.size()));
            device.readConfig(request.offset(), buffer.asSlice(0, request.size()));
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, data, 0, request.size());
        }
        return new ConfigPayload(request.offset(), request.size(), request.flags(), data);
    }

    private void setConfig(ConfigPayload request) {
        device.writeConfig(request.offset(), MemorySegment.ofArray(request.data()));
    }

    private void setBackendRequestFd(Message m) throws VhostUserException {
        Fd fd = m.singleFd();
        try {
            if (backendRequestFd != null) {
                backendRequestFd.close();
            }
            backendRequestFd = fd.dup();
        } catch (LinuxException e) {
            throw new VhostUserException("SET_BACKEND_REQ_FD: " + e.getMessage(), e);
        }
    }

    private void resetDevice() {
        for (Vring v : vrings) {
            stop(v);
            v.started = false;
            v.enabled = false;
            v.base = 0;
            v.size = 0;
            v.address = null;
            v.closeFds();
        }
        device.reset();
        featuresNegotiated = false;
    }

    private QueueThread threadFor(Vring v) {
        return threads.get(v.index % threads.size());
    }

    /** Starts serving {@code v} if it is started, enabled, configured, and memory is mapped. */
    private void startIfRunnable(Vring v) throws VhostUserException {
        if (v.running != null || !v.runnable()) {
            return;
        }
        if (!featuresNegotiated) {
            throw new VhostUserException("vring " + v.index + " started before SET_FEATURES");
        }
        GuestMemory memory = mapping.memory();
        VringAddress a = v.address;
        DeviceQueue queue;
        try {
            MemorySegment desc = memory.sliceUser(a.descUserAddress(), SplitRingLayout.descriptorTableSize(v.size));
            MemorySegment avail = memory.sliceUser(a.availUserAddress(), SplitRingLayout.availRingSize(v.size));
            MemorySegment used = memory.sliceUser(a.usedUserAddress(), SplitRingLayout.usedRingSize(v.size));
            queue = DeviceQueue.open(v.size, memory, desc, avail, used, ackedFeatures, v.base);
        } catch (GuestMemoryException | VirtqueueException e) {
            throw new VhostUserException("vring " + v.index + " cannot start: " + e.getMessage(), e);
        }
        QueueHandler handler = device instanceof QueueHandlers handlers ? handlers.handler(v.index) : null;
        RunningQueue running = handler != null
                ? new RunningQueue(v, queue, null, null, handler, null)
                : processorQueue(v, queue);
        v.running = running;
        threadFor(v).attach(running);
    }

    /** A queue served by the device's request processor, which may complete requests later. */
    private RunningQueue processorQueue(Vring v, DeviceQueue queue) throws VhostUserException {
        EventFd completions;
        try {
            completions = EventFd.create();
        } catch (LinuxException e) {
            throw new VhostUserException("vring " + v.index + " cannot start: " + e.getMessage(), e);
        }
        QueueDrain drain = new QueueDrain(BATCH, stats[v.index], () -> signalQuietly(completions)).pollFor(pollNanos);
        RequestProcessor processor = device.processor(v.index);
        processor.bind(drain.sink());
        return new RunningQueue(v, queue, processor, drain, null, completions);
    }

    private static void signalQuietly(EventFd fd) {
        try {
            fd.signal();
        } catch (LinuxException e) {
            LOG.warning("cannot wake an I/O thread for completions: " + e.getMessage());
        }
    }

    /** Stops serving {@code v}; its next available index becomes its base. */
    private void stop(Vring v) {
        RunningQueue r = v.running;
        if (r == null) {
            return;
        }
        threadFor(v).detach(r);
        if (r.completions() != null) {
            r.completions().close();
        }
        v.base = r.queue().nextAvailIndex();
        v.running = null;
    }

    /** Stops every queue, unmaps guest memory, closes every fd of the connection, and resets the device. */
    @Override
    public void close() {
        for (Vring v : vrings) {
            stop(v);
            v.closeFds();
        }
        mapping.close();
        if (backendRequestFd != null) {
            backendRequestFd.close();
        }
        device.reset();
    }
}
