package dev.jvirtio.core.virtqueue;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The memory layout of a split virtqueue (VIRTIO 1.2, 2.7): named offsets and sizes, and the
 * ordered accessors for the indices both sides publish. No other class does arithmetic on raw ring
 * offsets.
 *
 * <pre>
 * Descriptor table  (align 16)  struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; } [N]
 * Available ring    (align 2)   le16 flags; le16 idx; le16 ring[N]; le16 used_event;
 * Used ring         (align 4)   le16 flags; le16 idx; struct { le32 id; le32 len; } ring[N]; le16 avail_event;
 * </pre>
 *
 * All fields are little-endian (2.4: "virtio devices and drivers use little-endian" for 1.x).
 */
public final class SplitRingLayout {

    private SplitRingLayout() {
    }

    /** Largest queue size a split ring may have (2.7: "Queue Size ... maximum is 32768"). */
    public static final int MAX_QUEUE_SIZE = 32768;

    public static final int DESC_SIZE = 16;
    public static final int DESC_ADDR = 0;
    public static final int DESC_LEN = 8;
    public static final int DESC_FLAGS = 12;
    public static final int DESC_NEXT = 14;

    /** 2.7.5: this buffer continues via the next field. */
    public static final int VIRTQ_DESC_F_NEXT = 1;
    /** 2.7.5: this buffer is device write-only (otherwise device read-only). */
    public static final int VIRTQ_DESC_F_WRITE = 2;
    /** 2.7.5.3: this buffer contains a table of descriptors. */
    public static final int VIRTQ_DESC_F_INDIRECT = 4;

    public static final int AVAIL_FLAGS = 0;
    public static final int AVAIL_IDX = 2;
    public static final int AVAIL_RING = 4;
    public static final int AVAIL_ELEMENT_SIZE = 2;
    /** 2.7.7: the driver asks for no used buffer notifications (without EVENT_IDX). */
    public static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

    public static final int USED_FLAGS = 0;
    public static final int USED_IDX = 2;
    public static final int USED_RING = 4;
    public static final int USED_ELEMENT_SIZE = 8;
    public static final int USED_ELEMENT_ID = 0;
    public static final int USED_ELEMENT_LEN = 4;
    /** 2.7.10: the device asks for no available buffer notifications (without EVENT_IDX). */
    public static final int VIRTQ_USED_F_NO_NOTIFY = 1;

    public static final int DESC_ALIGN = 16;
    public static final int AVAIL_ALIGN = 2;
    public static final int USED_ALIGN = 4;

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Ordered 16-bit access, for the indices and flags the other side reads concurrently:
     * {@code getAcquire}/{@code setRelease}. Coordinates: (MemorySegment, long offset). The offsets
     * used with it are 2-byte aligned because the ring bases are checked against
     * {@link #AVAIL_ALIGN} and {@link #USED_ALIGN}.
     */
    static final VarHandle ORDERED_SHORT =
            ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    public static long descriptorTableSize(int queueSize) {
        return (long) DESC_SIZE * queueSize;
    }

    /** Size of the available ring including {@code used_event}. */
    public static long availRingSize(int queueSize) {
        return AVAIL_RING + (long) AVAIL_ELEMENT_SIZE * queueSize + 2;
    }

    /** Size of the used ring including {@code avail_event}. */
    public static long usedRingSize(int queueSize) {
        return USED_RING + (long) USED_ELEMENT_SIZE * queueSize + 2;
    }

    public static long descriptorOffset(int index) {
        return (long) DESC_SIZE * index;
    }

    public static long availElementOffset(int slot) {
        return AVAIL_RING + (long) AVAIL_ELEMENT_SIZE * slot;
    }

    /** Offset of {@code used_event} in the available ring (2.7.7). */
    public static long usedEventOffset(int queueSize) {
        return AVAIL_RING + (long) AVAIL_ELEMENT_SIZE * queueSize;
    }

    public static long usedElementOffset(int slot) {
        return USED_RING + (long) USED_ELEMENT_SIZE * slot;
    }

    /** Offset of {@code avail_event} in the used ring (2.7.10). */
    public static long availEventOffset(int queueSize) {
        return USED_RING + (long) USED_ELEMENT_SIZE * queueSize;
    }

    /** True if {@code size} is a valid split queue size (2.7: a power of 2, at most 32768). */
    public static boolean isValidQueueSize(int size) {
        return size > 0 && size <= MAX_QUEUE_SIZE && Integer.bitCount(size) == 1;
    }

    /**
     * The event-index test shared by both sides (2.7.7.2 and 2.7.10.2): true if {@code event}
     * lies in the half-open window {@code (oldIndex, newIndex]} of 16-bit ring indices, i.e. the other
     * side asked to be notified once index {@code event} is passed.
     */
    public static boolean needsEvent(int event, int newIndex, int oldIndex) {
        return ((newIndex - event - 1) & 0xffff) < ((newIndex - oldIndex) & 0xffff);
    }
}
