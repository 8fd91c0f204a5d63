package dev.jvirtio.vhost.frontend;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.driver.SharedBuffer;
import dev.jvirtio.core.virtqueue.DriverQueue;
import dev.jvirtio.core.virtqueue.VirtqueueException;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.vhost.protocol.VhostUserException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * A virtio-net driver (VIRTIO 1.2, 5.1.6) on a vhost-user back-end, for tests and benchmarks: one
 * queue pair, receive queue 0 and transmit queue 1. Frames given to {@link #send} and counted by
 * {@link #receive} carry a 12-byte {@code virtio_net_hdr_v1} before the Ethernet frame.
 *
 * <p>Receive buffers are {@code rxBufferSize} bytes each, and with VIRTIO_NET_F_MRG_RXBUF a frame
 * spans as many as it needs; transmit frames are copied into slots of the shared memory (a slot
 * keeps the last frame copied into it, so sending the same frame again copies nothing).
 *
 * <p>Thread-safety: the receive side ({@link #receive}, {@link #awaitReceive}) and the transmit
 * side ({@link #send}, {@link #reapSent}, {@link #awaitSent}) may each be driven by its own thread.
 */
public final class NetFrontend implements AutoCloseable {

    /** Size of {@code virtio_net_hdr_v1}. */
    public static final int HEADER_SIZE = 12;
    /** VIRTIO 1.2, 5.1.3 feature bits this driver can use. */
    public static final int F_CSUM = 0;
    public static final int F_GUEST_CSUM = 1;
    public static final int F_GUEST_TSO4 = 7;
    public static final int F_GUEST_TSO6 = 8;
    public static final int F_HOST_TSO4 = 11;
    public static final int F_HOST_TSO6 = 12;
    public static final int F_MRG_RXBUF = 15;
    /** Bytes of the config space read (mac, status, max_virtqueue_pairs, mtu). */
    public static final int CONFIG_SIZE = 12;

    private static final int RX = 0;
    private static final int TX = 1;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final VhostUserDevice device;
    private final DriverQueue rx;
    private final DriverQueue tx;
    private final boolean mergeable;
    private final MemorySegment rxBuffers;
    private final long rxBase;
    private final int rxBufferSize;
    private final int[] rxSlotOfHead;
    private final MemorySegment txSlots;
    private final long txBase;
    private final int txSlotSize;
    private final int[] txSlotOfHead;
    private final int[] txFreeSlots;
    private int txFreeCount;
    private final MemorySegment[] txSlotFrame;
    private final int[] reapHeads;
    private final int[] reapLengths;
    private final long[] oneAddress = new long[1];
    private final int[] oneLength = new int[1];
    private int frameBuffersLeft;
    private final ByteArrayOutputStream assembling = new ByteArrayOutputStream();
    private long receivedFrames;
    private long receivedBytes;
    private long sentFrames;

    private NetFrontend(VhostUserDevice device, int queueSize, int rxBufferSize, int maxFrame) {
        this.device = device;
        this.rx = device.queue(RX);
        this.tx = device.queue(TX);
        this.mergeable = VirtioFeatures.has(device.features(), F_MRG_RXBUF);
        this.rxBufferSize = rxBufferSize;
        SharedBuffer r = device.allocate((long) queueSize * rxBufferSize, 4096);
        this.rxBuffers = r.segment();
        this.rxBase = r.deviceAddress();
        this.rxSlotOfHead = new int[queueSize];
        this.txSlotSize = (maxFrame + 63) & -64;
        SharedBuffer t = device.allocate((long) queueSize * txSlotSize, 4096);
        this.txSlots = t.segment();
        this.txBase = t.deviceAddress();
        this.txSlotOfHead = new int[queueSize];
        this.txFreeSlots = new int[queueSize];
        for (int i = 0; i < queueSize; i++) {
            txFreeSlots[i] = queueSize - 1 - i;
        }
        this.txFreeCount = queueSize;
        this.txSlotFrame = new MemorySegment[queueSize];
        this.reapHeads = new int[queueSize];
        this.reapLengths = new int[queueSize];
    }

    /**
     * Connects to the vhost-user-net back-end at {@code socket}, negotiates VERSION_1, MRG_RXBUF
     * and, with {@code offloads}, checksum and TSO both ways, and fills the receive queue.
     *
     * @param queueSize    entries per queue, a power of 2
     * @param rxBufferSize bytes per receive buffer; without MRG_RXBUF it must hold the largest frame
     * @param maxFrame     the largest frame (header included) {@link #send} will be given
     * @throws VhostUserException with one sentence if the back-end cannot be reached or refuses
     */
    public static NetFrontend connect(Path socket, int queueSize, int rxBufferSize, int maxFrame, boolean offloads)
            throws VhostUserException, LinuxException {
        long wanted = VirtioFeatures.of(VirtioFeatures.VERSION_1, VirtioFeatures.RING_EVENT_IDX, F_MRG_RXBUF);
        if (offloads) {
            wanted |= VirtioFeatures.of(F_CSUM, F_GUEST_CSUM, F_HOST_TSO4, F_HOST_TSO6, F_GUEST_TSO4, F_GUEST_TSO6);
        }
        long buffers = (long) queueSize * rxBufferSize + (long) queueSize * ((maxFrame + 63) & -64) + 8192;
        VhostUserDevice device = VhostUserDevice.start(socket,
                new VhostUserDevice.Setup(wanted, 2, queueSize, 0, CONFIG_SIZE, buffers));
        try {
            NetFrontend frontend = new NetFrontend(device, queueSize, rxBufferSize, maxFrame);
            frontend.fillReceiveQueue();
            return frontend;
        } catch (LinuxException | RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /** The negotiated features. */
    public long features() {
        return device.features();
    }

    /** The device's config space as read at start (mac first). */
    public byte[] config() {
        return device.config();
    }

    private void fillReceiveQueue() throws LinuxException {
        int slot = 0;
        while (rx.freeDescriptors() > 0) {
            postReceive(slot++);
        }
        rx.publish();
        if (rx.kickNeeded()) {
            device.kick(RX);
        }
    }

    private void postReceive(int slot) {
        oneAddress[0] = rxBase + (long) slot * rxBufferSize;
        oneLength[0] = rxBufferSize;
        int head = rx.add(oneAddress, oneLength, 0, 1, false);
        rxSlotOfHead[head] = slot;
    }

    /**
     * Queues up to {@code count} copies of {@code frame} (header included) for transmission, as
     * many as free transmit slots allow, and notifies the back-end if it wants it.
     *
     * @return the number queued
     */
    public int send(MemorySegment frame, int count) throws LinuxException {
        if (frame.byteSize() > txSlotSize) {
            throw new IllegalArgumentException("frame of " + frame.byteSize() + " bytes exceeds the slot size " + txSlotSize);
        }
        int queued = 0;
        while (queued < count && txFreeCount > 0) {
            int slot = txFreeSlots[--txFreeCount];
            if (txSlotFrame[slot] != frame) {
                MemorySegment.copy(frame, 0, txSlots, (long) slot * txSlotSize, frame.byteSize());
                txSlotFrame[slot] = frame;
            }
            oneAddress[0] = txBase + (long) slot * txSlotSize;
            oneLength[0] = (int) frame.byteSize();
            int head = tx.add(oneAddress, oneLength, 1, 0, false);
            txSlotOfHead[head] = slot;
            queued++;
        }
        if (queued > 0) {
            tx.publish();
            if (tx.kickNeeded()) {
                device.kick(TX);
            }
            sentFrames += queued;
        }
        return queued;
    }

    /**
     * Takes back the transmit buffers the back-end has used.
     *
     * @return how many
     * @throws VirtqueueException if the back-end broke a ring rule
     */
    public int reapSent() throws VirtqueueException {
        int n = tx.reap(reapHeads, reapLengths, reapHeads.length);
        for (int i = 0; i < n; i++) {
            txFreeSlots[txFreeCount++] = txSlotOfHead[reapHeads[i]];
        }
        return n;
    }

    /** Transmit buffers in flight: queued and not yet reaped. */
    public int sendsInFlight() {
        return txFreeSlots.length - txFreeCount;
    }

    /**
     * Takes the frames the back-end has delivered, counts them, and gives their buffers back.
     *
     * @return the number of whole frames received
     * @throws VirtqueueException if the back-end broke a ring rule
     */
    public int receive() throws VirtqueueException, LinuxException {
        return receive(null);
    }

    /**
     * Like {@link #receive()}, and adds each whole frame, header included (num_buffers as the
     * device wrote it), to {@code frames} if it is not null.
     */
    public int receive(List<byte[]> frames) throws VirtqueueException, LinuxException {
        int n = rx.reap(reapHeads, reapLengths, reapHeads.length);
        // Reposting takes free heads, which may be heads reaped in this batch: look their slots up first.
        for (int i = 0; i < n; i++) {
            reapHeads[i] = rxSlotOfHead[reapHeads[i]];
        }
        int whole = 0;
        for (int i = 0; i < n; i++) {
            int slot = reapHeads[i];
            int length = reapLengths[i];
            if (frames != null) {
                assembling.write(rxBuffers.asSlice((long) slot * rxBufferSize, length).toArray(ValueLayout.JAVA_BYTE), 0, length);
            }
            if (frameBuffersLeft == 0) {
                // 5.1.6.4: the first buffer of a frame starts with its header; num_buffers says how many follow.
                int buffers = mergeable ? Short.toUnsignedInt(rxBuffers.get(LE_SHORT, (long) slot * rxBufferSize + 10)) : 1;
                frameBuffersLeft = Math.max(1, buffers);
                receivedBytes += Math.max(0, length - HEADER_SIZE);
            } else {
                receivedBytes += length;
            }
            if (--frameBuffersLeft == 0) {
                whole++;
                if (frames != null) {
                    frames.add(assembling.toByteArray());
                    assembling.reset();
                }
            }
            postReceive(slot);
        }
        if (n > 0) {
            rx.publish();
            if (rx.kickNeeded()) {
                device.kick(RX);
            }
        }
        receivedFrames += whole;
        return whole;
    }

    /** Waits up to {@code timeoutNanos} for received frames; true if some are there. */
    public boolean awaitReceive(long timeoutNanos) throws LinuxException {
        return await(rx, RX, timeoutNanos);
    }

    /** Waits up to {@code timeoutNanos} for used transmit buffers; true if some are there. */
    public boolean awaitSent(long timeoutNanos) throws LinuxException {
        return await(tx, TX, timeoutNanos);
    }

    private boolean await(DriverQueue queue, int index, long timeoutNanos) throws LinuxException {
        if (queue.enableInterrupts()) {
            queue.disableInterrupts();
            return true;
        }
        boolean signalled = device.awaitCall(index, timeoutNanos);
        queue.disableInterrupts();
        return signalled || queue.usedPending() > 0;
    }

    /** Whole frames received so far. */
    public long receivedFrames() {
        return receivedFrames;
    }

    /** Ethernet bytes (headers excluded) received so far. */
    public long receivedBytes() {
        return receivedBytes;
    }

    /** Frames queued for transmission so far. */
    public long sentFrames() {
        return sentFrames;
    }

    /** Stops the queues (best effort) and disconnects. */
    @Override
    public void close() {
        device.stopAndClose();
    }
}
