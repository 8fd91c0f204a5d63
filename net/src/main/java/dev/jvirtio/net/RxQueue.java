package dev.jvirtio.net;

import dev.jvirtio.core.device.QueueDrain;
import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.net.port.PortLane;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Serves a receive queue (VIRTIO 1.2, 5.1.6.3): takes frames from the port lane whenever both a
 * frame and the driver's buffers are there, and writes each into one buffer, or into as many as it
 * needs with VIRTIO_NET_F_MRG_RXBUF ({@code num_buffers} in the first header says how many).
 *
 * <p>A frame that finds no buffer waits in the queue's own buffer; the handler asks for the
 * driver's next kick and resumes on it, so frames are neither lost nor busy-polled. Used buffers
 * are published once per batch.
 */
final class RxQueue implements QueueHandler {

    private static final int PUBLISH_BATCH = 64;

    private enum Placement { PLACED, DROPPED, NO_BUFFERS }

    private final NetDevice device;
    private final PortLane lane;
    private final NetQueueCounters counters;
    private final MemorySegment buffer;
    private final DescriptorChain[] one = new DescriptorChain[1];
    private DescriptorChain[] held = new DescriptorChain[64];
    private int heldCount;
    private long heldBytes;
    private int pending;
    private int unpublished;
    private DeviceQueue queue;
    private QueueDrain.Notifier notifier;

    RxQueue(NetDevice device, PortLane lane, NetQueueCounters counters) {
        this.device = device;
        this.lane = lane;
        this.counters = counters;
        this.buffer = Arena.ofAuto().allocate(NetHeader.MAX_FRAME_WITH_HEADER, 64);
    }

    @Override
    public int eventDescriptor() {
        return lane.readyDescriptor();
    }

    @Override
    public void attach(DeviceQueue queue, QueueDrain.Notifier notifier) {
        this.queue = queue;
        this.notifier = notifier;
        heldCount = 0;
        heldBytes = 0;
        lane.receiving(true);
    }

    @Override
    public void kicked() {
        serve();
    }

    @Override
    public void eventReady() {
        serve();
    }

    @Override
    public void detach() {
        lane.receiving(false);
        DeviceQueue q = queue;
        if (q != null && !q.isBroken() && heldCount > 0) {
            // Give the buffers taken for an unfinished frame back as empty: the driver counts a
            // length error and reposts them, instead of losing them across the restart.
            for (int i = 0; i < heldCount; i++) {
                q.pushUsed(held[i], 0);
            }
            q.publishUsed();
            if (q.needsNotification()) {
                notifier.notifyDriver();
            }
        }
        Arrays.fill(held, 0, heldCount, null);
        heldCount = 0;
        heldBytes = 0;
        queue = null;
        notifier = null;
    }

    private void serve() {
        DeviceQueue q = queue;
        if (q == null) {
            return;
        }
        q.disableNotification();
        try {
            while (!q.isBroken()) {
                if (pending == 0) {
                    pending = lane.receive(buffer);
                    if (pending == 0) {
                        return;
                    }
                    DropReason reason = FrameCheck.forDriver(buffer, pending, device.negotiatedFeatures());
                    if (reason != null) {
                        counters.dropped(reason);
                        pending = 0;
                        continue;
                    }
                }
                Placement placement = place(q);
                if (placement == Placement.NO_BUFFERS) {
                    publish(q);
                    // 2.7.10: ask for a kick when buffers come, then look again: they may already have.
                    if (q.enableNotification()) {
                        q.disableNotification();
                        continue;
                    }
                    return;
                }
                pending = 0;
                if (unpublished >= PUBLISH_BATCH) {
                    publish(q);
                }
            }
        } finally {
            publish(q);
        }
    }

    private void publish(DeviceQueue q) {
        if (unpublished == 0 || q.isBroken()) {
            return;
        }
        unpublished = 0;
        q.publishUsed();
        if (q.needsNotification()) {
            notifier.notifyDriver();
        }
    }

    /** Writes the pending frame into the driver's buffers. */
    private Placement place(DeviceQueue q) {
        int headerSize = device.headerSize();
        int guestLength = pending - NetHeader.SIZE + headerSize;
        boolean mergeable = VirtioFeatures.has(device.negotiatedFeatures(), NetFeatures.MRG_RXBUF);
        if (mergeable) {
            while (heldBytes < guestLength) {
                if (heldCount == q.size()) {
                    // Even a full ring of these buffers cannot hold the frame.
                    counters.dropped(DropReason.RX_BUFFER_TOO_SMALL);
                    return Placement.DROPPED;
                }
                if (!take(q)) {
                    return Placement.NO_BUFFERS;
                }
            }
        } else {
            if (heldCount == 0 && !take(q)) {
                return Placement.NO_BUFFERS;
            }
            if (heldBytes < guestLength) {
                counters.dropped(DropReason.RX_BUFFER_TOO_SMALL);
                return Placement.DROPPED;
            }
        }
        // 5.1.6.3.1: num_buffers is the number of buffers the frame spans (1 without MRG_RXBUF).
        NetHeader.putLe16(buffer, NetHeader.NUM_BUFFERS, mergeable ? heldCount : 1);
        MemorySegment source;
        if (headerSize == NetHeader.SIZE) {
            source = buffer.asSlice(0, pending);
        } else {
            MemorySegment.copy(buffer, 0, buffer, NetHeader.SIZE - headerSize, headerSize);
            source = buffer.asSlice(NetHeader.SIZE - headerSize, guestLength);
        }
        long offset = 0;
        for (int i = 0; i < heldCount; i++) {
            DescriptorChain chain = held[i];
            long take = Math.min(chain.writableLength(), guestLength - offset);
            if (take > 0) {
                chain.writeTo(0, source.asSlice(offset, take));
            }
            q.pushUsed(chain, take);
            offset += take;
            held[i] = null;
            unpublished++;
        }
        heldCount = 0;
        heldBytes = 0;
        counters.passed(pending - NetHeader.SIZE, NetHeader.u8(buffer, NetHeader.SIZE - headerSize + NetHeader.GSO_TYPE) != NetHeader.GSO_NONE);
        return Placement.PLACED;
    }

    /** Pops one buffer into the held set; false if the ring has none. */
    private boolean take(DeviceQueue q) {
        if (q.pop(one, 1) == 0) {
            return false;
        }
        DescriptorChain chain = one[0];
        one[0] = null;
        if (heldCount == held.length) {
            held = Arrays.copyOf(held, held.length * 2);
        }
        held[heldCount++] = chain;
        heldBytes += chain.writableLength();
        return true;
    }
}
