package dev.jvirtio.core.testkit;

import static dev.jvirtio.core.virtqueue.SplitRingLayout.*;

import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.VirtqueueException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Writes a split ring byte by byte, the way a buggy or malicious driver could: any descriptor, any
 * flags, any avail index. Offsets come from {@link dev.jvirtio.core.virtqueue.SplitRingLayout}.
 * The rings are laid out back to back from a 16-byte aligned guest-physical address:
 * descriptor table, available ring, used ring (4-byte aligned).
 */
public final class RingWriter {

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int size;
    private final long descAddress;
    private final long availAddress;
    private final long usedAddress;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private int availIdx;

    private RingWriter(GuardedMemory memory, int size, long address) {
        this.size = size;
        this.descAddress = address;
        this.availAddress = address + descriptorTableSize(size);
        this.usedAddress = (availAddress + availRingSize(size) + USED_ALIGN - 1) & -USED_ALIGN;
        this.desc = memory.at(descAddress, descriptorTableSize(size));
        this.avail = memory.at(availAddress, availRingSize(size));
        this.used = memory.at(usedAddress, usedRingSize(size));
    }

    /** Lays out rings of {@code size} at guest-physical {@code address} (16-byte aligned) in {@code memory}. */
    public static RingWriter at(GuardedMemory memory, int size, long address) {
        if (address % DESC_ALIGN != 0) {
            throw new IllegalArgumentException("ring address 0x" + Long.toHexString(address) + " is not 16-byte aligned");
        }
        return new RingWriter(memory, size, address);
    }

    /** Bytes the three rings of {@code size} take from their start. */
    public static long bytes(int size) {
        long availEnd = descriptorTableSize(size) + availRingSize(size);
        return ((availEnd + USED_ALIGN - 1) & -USED_ALIGN) + usedRingSize(size);
    }

    public int size() {
        return size;
    }

    public long descriptorTableAddress() {
        return descAddress;
    }

    /** Writes descriptor {@code index} of the queue's own table. */
    public RingWriter descriptor(int index, long address, long length, int flags, int next) {
        write(desc, index, address, length, flags, next);
        return this;
    }

    /** Writes descriptor {@code index} of any table, e.g. an indirect one in guest memory. */
    public static void write(MemorySegment table, int index, long address, long length, int flags, int next) {
        long off = descriptorOffset(index);
        table.set(LE_LONG, off + DESC_ADDR, address);
        table.set(LE_INT, off + DESC_LEN, (int) length);
        table.set(LE_SHORT, off + DESC_FLAGS, (short) flags);
        table.set(LE_SHORT, off + DESC_NEXT, (short) next);
    }

    /** Puts {@code heads} in the available ring and publishes the new avail->idx. */
    public RingWriter offer(int... heads) {
        for (int head : heads) {
            avail.set(LE_SHORT, availElementOffset(availIdx & (size - 1)), (short) head);
            availIdx = (availIdx + 1) & 0xffff;
        }
        avail.set(LE_SHORT, AVAIL_IDX, (short) availIdx);
        return this;
    }

    /** Sets avail->idx to any value; later offers continue from it. */
    public RingWriter availIndex(int index) {
        availIdx = index & 0xffff;
        avail.set(LE_SHORT, AVAIL_IDX, (short) availIdx);
        return this;
    }

    public int availIndex() {
        return availIdx;
    }

    public RingWriter availFlags(int flags) {
        avail.set(LE_SHORT, AVAIL_FLAGS, (short) flags);
        return this;
    }

    public int availFlags() {
        return Short.toUnsignedInt(avail.get(LE_SHORT, AVAIL_FLAGS));
    }

    public int usedEvent() {
        return Short.toUnsignedInt(avail.get(LE_SHORT, usedEventOffset(size)));
    }

    public RingWriter availEvent(int event) {
        used.set(LE_SHORT, availEventOffset(size), (short) event);
        return this;
    }

    public RingWriter usedEvent(int event) {
        avail.set(LE_SHORT, usedEventOffset(size), (short) event);
        return this;
    }

    /** Sets used->idx, e.g. to where a restored ring stood. */
    public RingWriter usedIndex(int index) {
        used.set(LE_SHORT, USED_IDX, (short) index);
        return this;
    }

    public int usedIndex() {
        return Short.toUnsignedInt(used.get(LE_SHORT, USED_IDX));
    }

    public int usedFlags() {
        return Short.toUnsignedInt(used.get(LE_SHORT, USED_FLAGS));
    }

    public RingWriter usedFlags(int flags) {
        used.set(LE_SHORT, USED_FLAGS, (short) flags);
        return this;
    }

    public int availEvent() {
        return Short.toUnsignedInt(used.get(LE_SHORT, availEventOffset(size)));
    }

    /** The id of the used element at free-running used index {@code index}. */
    public int usedId(int index) {
        return used.get(LE_INT, usedElementOffset(index & (size - 1)) + USED_ELEMENT_ID);
    }

    /** The len of the used element at free-running used index {@code index}. */
    public int usedLength(int index) {
        return used.get(LE_INT, usedElementOffset(index & (size - 1)) + USED_ELEMENT_LEN);
    }

    /** A copy of every byte of the used ring, to prove a broken queue wrote nothing. */
    public byte[] usedRingBytes() {
        return used.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Opens the device side over these rings. */
    public DeviceQueue openDevice(GuestMemory memory, long features, int nextAvail) throws VirtqueueException {
        return DeviceQueue.openGuestPhysical(size, memory, descAddress, availAddress, usedAddress, features, nextAvail);
    }
}
