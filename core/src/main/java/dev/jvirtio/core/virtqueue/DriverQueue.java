package dev.jvirtio.core.virtqueue;

import static dev.jvirtio.core.virtqueue.SplitRingLayout.*;

import dev.jvirtio.core.device.VirtioFeatures;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The driver side of a split virtqueue (VIRTIO 1.2, 2.7.13 and 2.7.14): lays the rings out in a
 * piece of guest memory, adds buffers as direct or indirect chains, publishes them, decides when to
 * kick the device, and reaps used elements.
 *
 * <p>The free list and the per-chain bookkeeping live in Java arrays, not in the shared ring, so a
 * misbehaving device cannot corrupt them: {@link #reap} validates every used element.
 *
 * <p>Thread-safety: one thread at a time drives a queue; the device runs concurrently elsewhere.
 */
public final class DriverQueue {

    /** One buffer of a chain: a guest-physical address and a length. */
    public record Buffer(long address, int length) {
    }

    private final int size;
    private final int mask;
    private final MemorySegment area;
    private final long areaAddress;
    private final long availOffset;
    private final long usedOffset;
    private final long indirectOffset;
    private final int maxIndirect;
    private final boolean eventIdx;
    private final boolean indirectEnabled;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;

    private final int[] freeNext;
    private final int[] chainLength;
    private final long[] writableBytes;
    private final boolean[] inFlight;
    private int freeHead;
    private int freeCount;
    private int availIdx;
    private int availAtLastKick;
    private int lastUsed;

    private DriverQueue(int size, MemorySegment area, long areaAddress, long features, int maxIndirect) {
        this.size = size;
        this.mask = size - 1;
        this.area = area;
        this.areaAddress = areaAddress;
        this.availOffset = descriptorTableSize(size);
        this.usedOffset = align(availOffset + availRingSize(size), USED_ALIGN);
        this.indirectOffset = align(usedOffset + usedRingSize(size), DESC_ALIGN);
        this.maxIndirect = maxIndirect;
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.RING_EVENT_IDX);
        this.indirectEnabled = maxIndirect > 0 && VirtioFeatures.has(features, VirtioFeatures.RING_INDIRECT_DESC);
        this.desc = area.asSlice(0, descriptorTableSize(size));
        this.avail = area.asSlice(availOffset, availRingSize(size));
        this.used = area.asSlice(usedOffset, usedRingSize(size));
        this.freeNext = new int[size];
        this.chainLength = new int[size];
        this.writableBytes = new long[size];
        this.inFlight = new boolean[size];
        for (int i = 0; i < size; i++) {
            freeNext[i] = i + 1;
        }
        this.freeHead = 0;
        this.freeCount = size;
        area.asSlice(0, indirectOffset).fill((byte) 0);
    }

    /** Bytes of guest memory a queue of {@code size} with {@code maxIndirect} descriptors per indirect table needs. */
    public static long requiredBytes(int size, int maxIndirect) {
        long avail = descriptorTableSize(size);
        long used = align(avail + availRingSize(size), USED_ALIGN);
        long indirect = align(used + usedRingSize(size), DESC_ALIGN);
        return indirect + (long) size * maxIndirect * DESC_SIZE;
    }

    /**
     * Lays out a queue in {@code area}, which the device sees at guest-physical {@code areaAddress}.
     *
     * @param maxIndirect descriptors per indirect table (0: never indirect)
     * @throws IllegalArgumentException if the size is invalid, the area too small or not 16-byte aligned
     */
    public static DriverQueue create(int size, MemorySegment area, long areaAddress, long features, int maxIndirect) {
        if (!isValidQueueSize(size)) {
            throw new IllegalArgumentException("queue size=" + size + " is not a power of 2 in [1, 32768]");
        }
        if (area.byteSize() < requiredBytes(size, maxIndirect)) {
            throw new IllegalArgumentException("area of " + area.byteSize() + " bytes is smaller than "
                    + requiredBytes(size, maxIndirect));
        }
        if (areaAddress % DESC_ALIGN != 0 || area.address() % DESC_ALIGN != 0) {
            throw new IllegalArgumentException("area must be 16-byte aligned, gpa=0x" + Long.toHexString(areaAddress));
        }
        return new DriverQueue(size, area, areaAddress, features, maxIndirect);
    }

    private static long align(long value, int alignment) {
        return (value + alignment - 1) & -alignment;
    }

    public int size() {
        return size;
    }

    public long descriptorTableAddress() {
        return areaAddress;
    }

    public long availRingAddress() {
        return areaAddress + availOffset;
    }

    public long usedRingAddress() {
        return areaAddress + usedOffset;
    }

    /** Free descriptors in the table. */
    public int freeDescriptors() {
        return freeCount;
    }

    /** Chains added and not yet reaped. */
    public int inFlightCount() {
        int n = 0;
        for (boolean b : inFlight) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /** The current avail index (free-running, 16 bits), including chains not yet published. */
    public int availIndex() {
        return availIdx;
    }

    /**
     * Adds a chain of {@code readable} device-readable buffers followed by {@code writable}
     * device-writable ones, taken from {@code buffers[0 .. readable + writable)}. Uses an indirect table
     * when {@code preferIndirect} is set, INDIRECT_DESC was negotiated and the chain fits in one.
     * The chain is not visible to the device until {@link #publish()}.
     *
     * @return the head index (the id the device will return), or -1 if there is no room
     */
    public int add(long[] addresses, int[] lengths, int readable, int writable, boolean preferIndirect) {
        int n = readable + writable;
        if (n <= 0 || n > addresses.length || n > lengths.length) {
            throw new IllegalArgumentException("chain of " + n + " buffers, arrays hold " + addresses.length);
        }
        // 2.7.5.3.1: no chain, indirect ones included, is longer than the queue size.
        boolean useIndirect = preferIndirect && indirectEnabled && n <= maxIndirect && n <= size && n > 1;
        int needed = useIndirect ? 1 : n;
        if (needed > freeCount) {
            return -1;
        }
        int head = freeHead;
        long writableTotal = 0;
        if (useIndirect) {
            freeHead = freeNext[head];
            freeCount--;
            long tableOffset = indirectOffset + (long) head * maxIndirect * DESC_SIZE;
            MemorySegment table = area.asSlice(tableOffset, (long) n * DESC_SIZE);
            for (int i = 0; i < n; i++) {
                boolean w = i >= readable;
                writableTotal += w ? Integer.toUnsignedLong(lengths[i]) : 0;
                writeDescriptor(table, i, addresses[i], lengths[i], (w ? VIRTQ_DESC_F_WRITE : 0)
                        | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0), i + 1 < n ? i + 1 : 0);
            }
            writeDescriptor(desc, head, areaAddress + tableOffset, n * DESC_SIZE, VIRTQ_DESC_F_INDIRECT, 0);
            chainLength[head] = 1;
        } else {
            int index = head;
            for (int i = 0; i < n; i++) {
                boolean w = i >= readable;
                writableTotal += w ? Integer.toUnsignedLong(lengths[i]) : 0;
                int next = freeNext[index];
                writeDescriptor(desc, index, addresses[i], lengths[i], (w ? VIRTQ_DESC_F_WRITE : 0)
                        | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0), i + 1 < n ? next : 0);
                if (i + 1 < n) {
                    index = next;
                }
            }
            freeHead = freeNext[index];
            freeCount -= n;
            chainLength[head] = n;
        }
        writableBytes[head] = writableTotal;
        inFlight[head] = true;
        avail.set(LE_SHORT, availElementOffset(availIdx & mask), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        return head;
    }

    private static void writeDescriptor(MemorySegment table, int index, long address, int length, int flags, int next) {
        long off = descriptorOffset(index);
        table.set(LE_LONG, off + DESC_ADDR, address);
        table.set(LE_INT, off + DESC_LEN, length);
        table.set(LE_SHORT, off + DESC_FLAGS, (short) flags);
        table.set(LE_SHORT, off + DESC_NEXT, (short) next);
    }

    /** Makes every chain added so far visible to the device with one release store of {@code avail->idx}. */
    public void publish() {
        ORDERED_SHORT.setRelease(avail, (long) AVAIL_IDX, (short) availIdx);
    }

    /**
     * Decides whether the device wants an available buffer notification for the chains published
     * since the last call (2.7.10.1 and 2.7.13.4). Call after {@link #publish()}; if true, kick.
     */
    public boolean kickNeeded() {
        VarHandle.fullFence();
        int old = availAtLastKick;
        availAtLastKick = availIdx;
        if (eventIdx) {
            int event = Short.toUnsignedInt((short) ORDERED_SHORT.getAcquire(used, availEventOffset(size)));
            return needsEvent(event, availIdx, old);
        }
        int flags = Short.toUnsignedInt((short) ORDERED_SHORT.getAcquire(used, (long) USED_FLAGS));
        return (flags & VIRTQ_USED_F_NO_NOTIFY) == 0;
    }

    /** Number of used elements the device has published and the driver not yet reaped. */
    public int usedPending() {
        return (usedIndexAcquire() - lastUsed) & 0xffff;
    }

    /**
     * Reaps up to {@code max} used elements: their ids into {@code heads}, their lengths into
     * {@code lengths}, and frees their descriptors.
     *
     * @throws VirtqueueException if the device published an element the driver never made available,
     *                            a length beyond the chain's writable space, or an index too far ahead
     */
    public int reap(int[] heads, int[] lengths, int max) throws VirtqueueException {
        int usedIdx = usedIndexAcquire();
        int pending = (usedIdx - lastUsed) & 0xffff;
        if (pending > size) {
            throw new VirtqueueException(VirtqueueError.USED_INDEX_TOO_FAR,
                    "used idx=" + usedIdx + " is " + pending + " ahead of " + lastUsed);
        }
        int n = Math.min(pending, Math.min(max, Math.min(heads.length, lengths.length)));
        for (int i = 0; i < n; i++) {
            long off = usedElementOffset(lastUsed & mask);
            int id = used.get(LE_INT, off + USED_ELEMENT_ID);
            int len = used.get(LE_INT, off + USED_ELEMENT_LEN);
            // 2.7.8.2: id is the head of a chain the driver made available; len its bytes written.
            if (id < 0 || id >= size || !inFlight[id]) {
                throw new VirtqueueException(VirtqueueError.USED_ELEMENT_INVALID, "used id=" + id + " is not in flight");
            }
            if (Integer.toUnsignedLong(len) > writableBytes[id]) {
                throw new VirtqueueException(VirtqueueError.USED_ELEMENT_INVALID,
                        "used id=" + id + " len=" + Integer.toUnsignedLong(len) + " exceeds writable=" + writableBytes[id]);
            }
            free(id);
            heads[i] = id;
            lengths[i] = len;
            lastUsed = (lastUsed + 1) & 0xffff;
        }
        return n;
    }

    private void free(int head) {
        inFlight[head] = false;
        int n = chainLength[head];
        int index = head;
        for (int i = 1; i < n; i++) {
            // Members of a direct chain were taken from the free list in order, so freeNext still
            // links them: the walk never reads memory the device could have changed.
            index = freeNext[index];
        }
        freeNext[index] = freeHead;
        freeHead = head;
        freeCount += n;
    }

    /** Asks the device not to send used buffer notifications (2.7.7.1). */
    public void disableInterrupts() {
        if (eventIdx) {
            ORDERED_SHORT.setRelease(avail, usedEventOffset(size), (short) (lastUsed + 0x7fff));
        } else {
            ORDERED_SHORT.setRelease(avail, (long) AVAIL_FLAGS, (short) VIRTQ_AVAIL_F_NO_INTERRUPT);
        }
    }

    /**
     * Asks the device to notify on the next used element, then re-checks (2.7.7.1).
     *
     * @return true if used elements are already pending: reap them, no notification may come
     */
    public boolean enableInterrupts() {
        if (eventIdx) {
            ORDERED_SHORT.setRelease(avail, usedEventOffset(size), (short) lastUsed);
        } else {
            ORDERED_SHORT.setRelease(avail, (long) AVAIL_FLAGS, (short) 0);
        }
        VarHandle.fullFence();
        return usedIndexAcquire() != lastUsed;
    }

    private int usedIndexAcquire() {
        return Short.toUnsignedInt((short) ORDERED_SHORT.getAcquire(used, (long) USED_IDX));
    }
}
