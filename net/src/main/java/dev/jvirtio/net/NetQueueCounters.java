package dev.jvirtio.net;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of one virtio-net queue: frames and bytes (Ethernet bytes, header excluded) that passed,
 * and drops by {@link DropReason}. Written by the queue's I/O thread, readable from any thread.
 */
public final class NetQueueCounters {

    private static final DropReason[] REASONS = DropReason.values();

    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong segmentationOffload = new AtomicLong();
    private final AtomicLongArray drops = new AtomicLongArray(REASONS.length);

    void passed(long frameBytes, boolean offloaded) {
        frames.lazySet(frames.get() + 1);
        bytes.lazySet(bytes.get() + frameBytes);
        if (offloaded) {
            segmentationOffload.lazySet(segmentationOffload.get() + 1);
        }
    }

    /** Counts a drop. Thread-safe: a port may drop on behalf of a queue from another thread. */
    public void dropped(DropReason reason) {
        drops.incrementAndGet(reason.ordinal());
    }

    public long frames() {
        return frames.get();
    }

    public long bytes() {
        return bytes.get();
    }

    /** Frames that passed as segmentation offload (TSO/GSO) frames, gso_type not NONE. */
    public long segmentationOffloadFrames() {
        return segmentationOffload.get();
    }

    public long drops(DropReason reason) {
        return drops.get(reason.ordinal());
    }

    /** Every drop, whatever the reason. */
    public long drops() {
        long total = 0;
        for (int i = 0; i < REASONS.length; i++) {
            total += drops.get(i);
        }
        return total;
    }

    /** The reasons with at least one drop. */
    public Map<DropReason, Long> dropsByReason() {
        Map<DropReason, Long> map = new EnumMap<>(DropReason.class);
        for (DropReason r : REASONS) {
            long n = drops.get(r.ordinal());
            if (n > 0) {
                map.put(r, n);
            }
        }
        return map;
    }

    @Override
    public String toString() {
        return "frames=" + frames() + " bytes=" + bytes() + " gso=" + segmentationOffloadFrames() + (drops() > 0 ? " drops=" + dropsByReason() : "");
    }
}
