package dev.jvirtio.net;

import dev.jvirtio.core.device.ConfigSpace;
import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.core.device.QueueHandlers;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.device.VirtioDevice;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.net.port.Port;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The virtio-net device (VIRTIO 1.2, 5.1) in front of a {@link Port}: receive queue {@code 2k} and
 * transmit queue {@code 2k+1} for each queue pair {@code k}, and the control queue last (5.1.2).
 * Queue pair {@code k} uses lane {@code k % port.lanes().size()} of the port.
 *
 * <p>Receive queues are served by their own {@link QueueHandler}s (frames arrive from the port);
 * transmit and control queues by {@link RequestProcessor}s on kicks.
 *
 * <p>Thread-safety: each queue runs on one I/O thread; counters are readable from any thread;
 * config access and {@link #activate} come from the transport's thread.
 */
public final class NetDevice implements VirtioDevice, QueueHandlers {

    /** VIRTIO device ID of a network card (5). */
    public static final int DEVICE_ID = 1;

    private final NetOptions options;
    private final Port port;
    private final NetQueueCounters[] counters;
    private final RxQueue[] rx;
    private final TxProcessor[] tx;
    private final ControlProcessor control;
    private volatile long negotiated;
    private volatile int headerSize = NetHeader.SIZE;
    volatile boolean promiscuous;
    volatile boolean allMulticast;
    volatile int activePairs = 1;

    public NetDevice(NetOptions options, Port port) {
        this.options = options;
        this.port = port;
        int queues = 2 * options.pairs() + 1;
        this.counters = new NetQueueCounters[queues];
        for (int i = 0; i < queues; i++) {
            counters[i] = new NetQueueCounters();
        }
        this.rx = new RxQueue[options.pairs()];
        this.tx = new TxProcessor[options.pairs()];
        for (int k = 0; k < options.pairs(); k++) {
            var lane = port.lane(k % port.lanes().size());
            rx[k] = new RxQueue(this, lane, counters[2 * k]);
            tx[k] = new TxProcessor(this, lane, counters[2 * k + 1]);
        }
        this.control = new ControlProcessor(this, counters[queues - 1]);
    }

    /** The features offered: offloads both ways, mergeable buffers, multiqueue and the control queue. */
    public static long features() {
        return VirtioFeatures.of(VirtioFeatures.VERSION_1, VirtioFeatures.RING_EVENT_IDX,
                VirtioFeatures.RING_INDIRECT_DESC, NetFeatures.MAC, NetFeatures.STATUS, NetFeatures.MTU,
                NetFeatures.CSUM, NetFeatures.GUEST_CSUM, NetFeatures.HOST_TSO4, NetFeatures.HOST_TSO6,
                NetFeatures.GUEST_TSO4, NetFeatures.GUEST_TSO6, NetFeatures.HOST_UFO, NetFeatures.GUEST_UFO,
                NetFeatures.MRG_RXBUF, NetFeatures.CTRL_VQ, NetFeatures.CTRL_RX, NetFeatures.MQ);
    }

    public NetOptions options() {
        return options;
    }

    public Port port() {
        return port;
    }

    /** The features the driver accepted, 0 before {@link #activate}. */
    public long negotiatedFeatures() {
        return negotiated;
    }

    /** Bytes of {@code virtio_net_hdr} the driver uses: 12 with VERSION_1 or MRG_RXBUF, else 10 (5.1.6). */
    int headerSize() {
        return headerSize;
    }

    /** Counters of queue {@code index} (receive {@code 2k}, transmit {@code 2k+1}, control last). */
    public NetQueueCounters counters(int index) {
        return counters[index];
    }

    /** Counters of every queue, by queue index. */
    public List<NetQueueCounters> queueCounters() {
        return List.of(counters);
    }

    /** Receive queue pairs the driver asked for with VQ_PAIRS_SET (1 until it does). */
    public int activePairs() {
        return activePairs;
    }

    /** Whether the driver switched promiscuous mode on (CTRL_RX). */
    public boolean promiscuous() {
        return promiscuous;
    }

    /** Whether the driver asked for every multicast frame (CTRL_RX). */
    public boolean allMulticast() {
        return allMulticast;
    }

    /** Sums of the receive queues' and the transmit queues' counters, as one line. */
    public String summary() {
        long rxFrames = 0, rxBytes = 0, rxDrops = 0, txFrames = 0, txBytes = 0, txDrops = 0;
        for (int k = 0; k < options.pairs(); k++) {
            rxFrames += counters[2 * k].frames();
            rxBytes += counters[2 * k].bytes();
            rxDrops += counters[2 * k].drops();
            txFrames += counters[2 * k + 1].frames();
            txBytes += counters[2 * k + 1].bytes();
            txDrops += counters[2 * k + 1].drops();
        }
        return options.name() + ": rx " + rxFrames + " frames " + rxBytes + " bytes " + rxDrops + " drops, tx "
                + txFrames + " frames " + txBytes + " bytes " + txDrops + " drops";
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public long offeredFeatures() {
        long f = features();
        if (options.pairs() == 1) {
            f &= ~VirtioFeatures.bit(NetFeatures.MQ);
        }
        return f;
    }

    @Override
    public int maxQueues() {
        return counters.length;
    }

    @Override
    public int maxQueueSize() {
        return options.queueSize();
    }

    @Override
    public int configSize() {
        return NetConfig.SIZE;
    }

    /** The configuration space as the driver reads it. */
    public byte[] config() {
        return NetConfig.encode(options.mac(), NetConfig.STATUS_LINK_UP, options.pairs(), options.mtu());
    }

    @Override
    public void readConfig(int offset, MemorySegment dst) {
        ConfigSpace.read(config(), offset, dst);
    }

    /** 5.1.4: every field this device has is read-only for the driver; writes are ignored. */
    @Override
    public void writeConfig(int offset, MemorySegment src) {
    }

    @Override
    public void activate(long negotiatedFeatures) {
        this.negotiated = negotiatedFeatures;
        // 5.1.6: the header has num_buffers with VERSION_1 or MRG_RXBUF.
        this.headerSize = VirtioFeatures.has(negotiatedFeatures, VirtioFeatures.VERSION_1)
                || VirtioFeatures.has(negotiatedFeatures, NetFeatures.MRG_RXBUF) ? NetHeader.SIZE : NetHeader.LEGACY_SIZE;
        port.acceptOffloads(negotiatedFeatures);
    }

    /**
     * @throws IllegalStateException for a receive queue: it is served by {@link #handler(int)}
     */
    @Override
    public RequestProcessor processor(int index) {
        if (index == counters.length - 1) {
            return control;
        }
        if (index % 2 == 0) {
            throw new IllegalStateException("receive queue " + index + " of " + name() + " is served by its handler");
        }
        return tx[index / 2];
    }

    @Override
    public QueueHandler handler(int index) {
        if (index < counters.length - 1 && index % 2 == 0) {
            return rx[index / 2];
        }
        return null;
    }

    @Override
    public void reset() {
        negotiated = 0;
        headerSize = NetHeader.SIZE;
        promiscuous = false;
        allMulticast = false;
        activePairs = 1;
        port.acceptOffloads(0);
    }
}
