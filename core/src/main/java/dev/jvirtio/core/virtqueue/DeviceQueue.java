package dev.jvirtio.core.virtqueue;

import static dev.jvirtio.core.virtqueue.SplitRingLayout.*;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.memory.GuestMemoryException;
import dev.jvirtio.core.memory.MemoryRegion;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The device side of a split virtqueue (VIRTIO 1.2, 2.7): pops available descriptor chains in
 * batches, pushes used elements and publishes {@code used->idx} once per batch, and decides when
 * the driver must be notified.
 *
 * <p>Everything the driver wrote is untrusted. A rule violation does not throw out of
 * {@link #pop}: the queue records a {@link VirtqueueException}, stops returning chains, and stays
 * broken ({@link #failure()}) until a new queue is opened (a reset or vhost-user ring restart).
 * Every guest buffer is translated through {@link GuestMemory}, which bounds-checks it, so no access
 * leaves guest memory.
 *
 * <p>Thread-safety: one thread at a time drives a queue (the I/O thread that owns it). The driver
 * runs concurrently in another thread or process; all shared indices are read with acquire and
 * written with release semantics, with a full fence where a side re-checks after enabling
 * notifications.
 */
public final class DeviceQueue {

    /** Upper bound on the descriptors in one indirect table (2.7.5.3 leaves it to the device). */
    public static final int MAX_INDIRECT_DESCRIPTORS = MAX_QUEUE_SIZE;
    private static final long MAX_CHAIN_BYTES = 1L << 32;

    private final int size;
    private final int mask;
    private final GuestMemory memory;
    private final MemorySegment descriptors;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final boolean eventIdx;
    private final boolean indirect;
    private final DescriptorChain[] chains;
    private final boolean[] inFlight;

    private int nextAvail;
    private int nextUsed;
    private int signalledUsed;
    private boolean signalledUsedValid;
    private VirtqueueException failure;

    private DeviceQueue(int size, GuestMemory memory, MemorySegment descriptors, MemorySegment avail,
                        MemorySegment used, long features, int nextAvail) {
        this.size = size;
        this.mask = size - 1;
        this.memory = memory;
        this.descriptors = descriptors;
        this.avail = avail;
        this.used = used;
        this.eventIdx = VirtioFeatures.has(features, VirtioFeatures.RING_EVENT_IDX);
        this.indirect = VirtioFeatures.has(features, VirtioFeatures.RING_INDIRECT_DESC);
        this.chains = new DescriptorChain[size];
        this.inFlight = new boolean[size];
        this.nextAvail = nextAvail & 0xffff;
        this.nextUsed = Short.toUnsignedInt((short) ORDERED_SHORT.getAcquire(used, (long) USED_IDX));
    }

    /**
     * Opens a queue over rings already mapped into host memory.
     *
     * @param size       the negotiated queue size
     * @param descriptors the descriptor table, at least {@code 16 * size} bytes, 16-byte aligned
     * @param avail      the available ring including used_event, 2-byte aligned
     * @param used       the used ring including avail_event, 4-byte aligned
     * @param features   negotiated feature bits (RING_EVENT_IDX, RING_INDIRECT_DESC are read)
     * @param nextAvail  the ring position to resume from (vhost-user SET_VRING_BASE; 0 on a fresh queue);
     *                   the used index is taken from {@code used->idx}
     * @throws VirtqueueException {@link VirtqueueError#INVALID_RING} if the size or a ring is invalid
     */
    public static DeviceQueue open(int size, GuestMemory memory, MemorySegment descriptors, MemorySegment avail,
                                   MemorySegment used, long features, int nextAvail) throws VirtqueueException {
        // 2.7: Queue Size is a power of 2 up to 32768; 2.7 table "Virtqueue Part Alignment".
        if (!isValidQueueSize(size)) {
            throw new VirtqueueException(VirtqueueError.INVALID_RING, "queue size=" + size + " is not a power of 2 in [1, 32768]");
        }
        checkRing("descriptor table", descriptors, descriptorTableSize(size), DESC_ALIGN);
        checkRing("available ring", avail, availRingSize(size), AVAIL_ALIGN);
        checkRing("used ring", used, usedRingSize(size), USED_ALIGN);
        return new DeviceQueue(size, memory, descriptors, avail, used, features, nextAvail);
    }

    /** Opens a queue whose rings are given by guest-physical addresses. */
    public static DeviceQueue openGuestPhysical(int size, GuestMemory memory, long descAddress, long availAddress,
                                                long usedAddress, long features, int nextAvail) throws VirtqueueException {
        if (!isValidQueueSize(size)) {
            throw new VirtqueueException(VirtqueueError.INVALID_RING, "queue size=" + size + " is not a power of 2 in [1, 32768]");
        }
        try {
            return open(size, memory, memory.slice(descAddress, descriptorTableSize(size)),
                    memory.slice(availAddress, availRingSize(size)), memory.slice(usedAddress, usedRingSize(size)),
                    features, nextAvail);
        } catch (GuestMemoryException e) {
            throw new VirtqueueException(VirtqueueError.INVALID_RING, e.getMessage(), e);
        }
    }

    private static void checkRing(String name, MemorySegment ring, long bytes, int align) throws VirtqueueException {
        if (ring.byteSize() < bytes) {
            throw new VirtqueueException(VirtqueueError.INVALID_RING, name + " has " + ring.byteSize() + " bytes, needs " + bytes);
        }
        if (ring.address() % align != 0) {
            throw new VirtqueueException(VirtqueueError.INVALID_RING,
                    name + " at 0x" + Long.toHexString(ring.address()) + " is not " + align + "-byte aligned");
        }
    }

    public int size() {
        return size;
    }

    /** The ring position of the next chain to pop: what vhost-user GET_VRING_BASE reports. */
    public int nextAvailIndex() {
        return nextAvail;
    }

    /** The used index the device will publish next (free-running, 16 bits). */
    public int nextUsedIndex() {
        return nextUsed;
    }

    /** The violation that broke this queue, or null while it is healthy. */
    public VirtqueueException failure() {
        return failure;
    }

    /** True once the queue met a violation and needs a reset. */
    public boolean isBroken() {
        return failure != null;
    }

    /** Number of chains the driver has made available and the device has not popped yet. */
    public int pendingCount() {
        if (failure != null) {
            return 0;
        }
        return (availIndexAcquire() - nextAvail) & 0xffff;
    }

    /**
     * Pops up to {@code max} available chains into {@code out}. Never throws for anything the driver
     * wrote: on a violation the chains popped before it are returned, and the queue is broken.
     *
     * @return the number of chains stored in {@code out[0..n)}
     */
    public int pop(DescriptorChain[] out, int max) {
        if (failure != null) {
            return 0;
        }
        int limit = Math.min(max, out.length);
        int availIdx = availIndexAcquire();
        int pending = (availIdx - nextAvail) & 0xffff;
        // 2.7.6: the driver adds at most Queue Size entries beyond what the device has consumed.
        if (pending > size) {
            fail(new VirtqueueException(VirtqueueError.AVAIL_INDEX_TOO_FAR,
                    "avail idx=" + availIdx + " is " + pending + " ahead of next=" + nextAvail + ", size=" + size));
            return 0;
        }
        int n = Math.min(pending, limit);
        int popped = 0;
        try {
            for (; popped < n; popped++) {
                int head = Short.toUnsignedInt(avail.get(LE_SHORT, availElementOffset(nextAvail & mask)));
                out[popped] = walk(head);
                inFlight[head] = true;
                nextAvail = (nextAvail + 1) & 0xffff;
            }
        } catch (VirtqueueException e) {
            fail(e);
        }
        return popped;
    }

    private void fail(VirtqueueException e) {
        failure = e;
    }

    private DescriptorChain walk(int head) throws VirtqueueException {
        // 2.7.6: ring[] entries are heads of descriptor chains, so they index the table.
        if (head >= size) {
            throw new VirtqueueException(VirtqueueError.HEAD_OUT_OF_RANGE, "head=" + head + " size=" + size);
        }
        // 2.7.13.1: a descriptor is not reused before the device returned it.
        if (inFlight[head]) {
            throw new VirtqueueException(VirtqueueError.HEAD_IN_FLIGHT, "head=" + head + " is still in flight");
        }
        DescriptorChain chain = chains[head];
        if (chain == null) {
            chain = new DescriptorChain();
            chains[head] = chain;
        }
        chain.reset(head);
        MemorySegment table = descriptors;
        long tableBase = 0;
        int tableSize = size;
        int index = head;
        int ttl = size;
        boolean inIndirect = false;
        boolean sawWritable = false;
        long total = 0;
        while (true) {
            if (ttl-- == 0) {
                // 2.7.5.2: a chain longer than its table can only be a loop.
                throw new VirtqueueException(VirtqueueError.CHAIN_LOOP,
                        "head=" + head + " has more than " + tableSize + " descriptors");
            }
            long off = tableBase + descriptorOffset(index);
            long addr = table.get(LE_LONG, off + DESC_ADDR);
            long len = Integer.toUnsignedLong(table.get(LE_INT, off + DESC_LEN));
            int flags = Short.toUnsignedInt(table.get(LE_SHORT, off + DESC_FLAGS));
            int next = Short.toUnsignedInt(table.get(LE_SHORT, off + DESC_NEXT));
            chain.countDescriptor();
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                MemoryRegion region = indirectTable(head, addr, len, flags, inIndirect);
                table = region.segment();
                tableBase = addr - region.guestPhysicalAddress();
                tableSize = (int) (len / DESC_SIZE);
                index = 0;
                ttl = tableSize;
                inIndirect = true;
                continue;
            }
            boolean writable = (flags & VIRTQ_DESC_F_WRITE) != 0;
            // 2.7.4.2: device-writable descriptors come after all device-readable ones.
            if (!writable && sawWritable) {
                throw new VirtqueueException(VirtqueueError.READABLE_AFTER_WRITABLE,
                        "head=" + head + " descriptor=" + index + " is readable after a writable one");
            }
            sawWritable |= writable;
            total += len;
            // 2.7.5.2: drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total.
            if (total > MAX_CHAIN_BYTES) {
                throw new VirtqueueException(VirtqueueError.CHAIN_TOO_LARGE, "head=" + head + " totals " + total + " bytes");
            }
            if (len == 0) {
                chain.add(MemorySegment.NULL, 0, 0, writable);
            } else {
                MemoryRegion region = translate(head, addr, len);
                chain.add(region.segment(), addr - region.guestPhysicalAddress(), len, writable);
            }
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) {
                return chain;
            }
            // 2.7.5: next must name a descriptor of the same table.
            if (next >= tableSize) {
                throw new VirtqueueException(VirtqueueError.NEXT_OUT_OF_RANGE,
                        "head=" + head + " next=" + next + " table size=" + tableSize);
            }
            index = next;
        }
    }

    private MemoryRegion indirectTable(int head, long addr, long len, int flags, boolean inIndirect)
            throws VirtqueueException {
        // 2.7.5.3.1: INDIRECT only if negotiated; never inside an indirect table; never with NEXT.
        if (!indirect) {
            throw new VirtqueueException(VirtqueueError.INDIRECT_NOT_NEGOTIATED, "head=" + head);
        }
        if (inIndirect) {
            throw new VirtqueueException(VirtqueueError.NESTED_INDIRECT, "head=" + head);
        }
        if ((flags & VIRTQ_DESC_F_NEXT) != 0) {
            throw new VirtqueueException(VirtqueueError.INDIRECT_WITH_NEXT, "head=" + head);
        }
        // 2.7.5.3: the table holds len/16 descriptors, so len is a non-zero multiple of 16.
        if (len == 0 || len % DESC_SIZE != 0 || len / DESC_SIZE > MAX_INDIRECT_DESCRIPTORS) {
            throw new VirtqueueException(VirtqueueError.INDIRECT_BAD_LENGTH, "head=" + head + " indirect len=" + len);
        }
        // 2.7.5.3.1: a driver MUST NOT create a descriptor chain longer than the Queue Size.
        if (len / DESC_SIZE > size) {
            throw new VirtqueueException(VirtqueueError.INDIRECT_BAD_LENGTH,
                    "head=" + head + " indirect table of " + len / DESC_SIZE + " descriptors exceeds queue size=" + size);
        }
        return translate(head, addr, len);
    }

    /** The region holding the whole buffer; the buffer is bounds-checked, no slice is made. */
    private MemoryRegion translate(int head, long addr, long len) throws VirtqueueException {
        try {
            return memory.region(memory.regionIndex(addr, len));
        } catch (GuestMemoryException e) {
            throw new VirtqueueException(VirtqueueError.BUFFER_OUTSIDE_MEMORY, "head=" + head + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts {@code chain} in the used ring with the number of bytes the device wrote into its writable
     * part (2.7.8.2: len is exactly the bytes written). Not visible to the driver until
     * {@link #publishUsed()}.
     *
     * @throws IllegalArgumentException if the chain is not in flight or {@code written} exceeds its
     *                                  writable length (device bugs)
     */
    public void pushUsed(DescriptorChain chain, long written) {
        int head = chain.head();
        if (head < 0 || head >= size || !inFlight[head] || chains[head] != chain) {
            throw new IllegalArgumentException("chain " + chain + " is not in flight on this queue");
        }
        if (written < 0 || written > chain.writableLength()) {
            throw new IllegalArgumentException("written=" + written + " exceeds writable length of " + chain);
        }
        long off = usedElementOffset(nextUsed & mask);
        used.set(LE_INT, off + USED_ELEMENT_ID, head);
        used.set(LE_INT, off + USED_ELEMENT_LEN, (int) written);
        inFlight[head] = false;
        nextUsed = (nextUsed + 1) & 0xffff;
    }

    /** Makes every pushed element visible to the driver with one release store of {@code used->idx}. */
    public void publishUsed() {
        ORDERED_SHORT.setRelease(used, (long) USED_IDX, (short) nextUsed);
    }

    /**
     * Decides whether the driver wants a used buffer notification for what was published since the
     * last notification (2.7.7.2). Call after {@link #publishUsed()}; if it returns true, signal.
     */
    public boolean needsNotification() {
        // The store of used->idx must be visible before we read the driver's suppression state.
        VarHandle.fullFence();
        if (!eventIdx) {
            int flags = Short.toUnsignedInt((short) ORDERED_SHORT.getAcquire(avail, (long) AVAIL_FLAGS));
            return (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
        }
        int old = signalledUsed;
        boolean valid = signalledUsedValid;
        signalledUsed = nextUsed;
        signalledUsedValid = true;
        if (!valid) {
            return true;
        }
        int event = Short.toUnsignedInt((short) ORDERED_SHORT.getAcquire(avail, usedEventOffset(size)));
        return needsEvent(event, nextUsed, old);
    }

    /** Asks the driver not to notify (kick) while the device is processing (2.7.10). */
    public void disableNotification() {
        if (eventIdx) {
            // 2.7.10: the driver kicks when avail->idx passes avail_event. One behind what the device
            // has consumed is behind anything the driver will publish, so it does not kick.
            ORDERED_SHORT.setRelease(used, availEventOffset(size), (short) (nextAvail - 1));
        } else {
            ORDERED_SHORT.setRelease(used, (long) USED_FLAGS, (short) VIRTQ_USED_F_NO_NOTIFY);
        }
    }

    /**
     * Asks the driver to notify when it adds buffers, then re-checks the ring (2.7.10.2).
     *
     * @return true if buffers were added meanwhile: the caller must process them (the driver may
     *         not kick for them)
     */
    public boolean enableNotification() {
        if (eventIdx) {
            ORDERED_SHORT.setRelease(used, availEventOffset(size), (short) nextAvail);
        } else {
            ORDERED_SHORT.setRelease(used, (long) USED_FLAGS, (short) 0);
        }
        // Publish our request before re-reading avail->idx, or a concurrent add could be missed.
        VarHandle.fullFence();
        return failure == null && availIndexAcquire() != nextAvail;
    }

    private int availIndexAcquire() {
        return Short.toUnsignedInt((short) ORDERED_SHORT.getAcquire(avail, (long) AVAIL_IDX));
    }
}
