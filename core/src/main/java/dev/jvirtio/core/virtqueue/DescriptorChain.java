package dev.jvirtio.core.virtqueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One available buffer as the device sees it after walking and validating its descriptors: the
 * device-readable segments followed by the device-writable segments (2.7.4), each a slice of guest
 * memory that was bounds-checked when the chain was popped.
 *
 * <p>Chains are owned by their {@link DeviceQueue} and reused: a chain is valid from the pop that
 * returned it until it is pushed to the used ring. Not thread-safe; hand a chain to one thread at a
 * time.
 */
public final class DescriptorChain {

    private static final MemorySegment[] NO_BASES = new MemorySegment[0];
    private static final long[] NO_LONGS = new long[0];

    private int head = -1;
    /** Buffer i is {@code bases[i]} (a whole memory region) from {@code offsets[i]} for {@code lengths[i]} bytes. */
    private MemorySegment[] bases = NO_BASES;
    private long[] offsets = NO_LONGS;
    private long[] lengths = NO_LONGS;
    private int count;
    private int readableCount;
    private long readableLength;
    private long writableLength;
    private int descriptorCount;

    DescriptorChain() {
    }

    void reset(int newHead) {
        Arrays.fill(bases, 0, count, null);
        head = newHead;
        count = 0;
        readableCount = 0;
        readableLength = 0;
        writableLength = 0;
        descriptorCount = 0;
    }

    /** Adds a buffer that was bounds-checked against {@code base}; no slice is allocated. */
    void add(MemorySegment base, long offset, long length, boolean writable) {
        if (count == bases.length) {
            int capacity = Math.max(4, count * 2);
            bases = Arrays.copyOf(bases, capacity);
            offsets = Arrays.copyOf(offsets, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
        }
        bases[count] = base;
        offsets[count] = offset;
        lengths[count] = length;
        count++;
        if (writable) {
            writableLength += length;
        } else {
            readableCount++;
            readableLength += length;
        }
    }

    private MemorySegment segment(int i) {
        return lengths[i] == 0 ? MemorySegment.NULL : bases[i].asSlice(offsets[i], lengths[i]);
    }

    void countDescriptor() {
        descriptorCount++;
    }

    /** Index of the head descriptor: the id the used element carries. */
    public int head() {
        return head;
    }

    /** Number of descriptors walked, indirect table descriptors included. */
    public int descriptorCount() {
        return descriptorCount;
    }

    public int readableCount() {
        return readableCount;
    }

    public int writableCount() {
        return count - readableCount;
    }

    /** Total bytes in the device-readable segments. */
    public long readableLength() {
        return readableLength;
    }

    /** Total bytes in the device-writable segments. */
    public long writableLength() {
        return writableLength;
    }

    /** The i-th device-readable segment, {@code 0 <= i < readableCount()}. */
    public MemorySegment readable(int i) {
        return segment(checkIndex(i, readableCount));
    }

    /** The i-th device-writable segment, {@code 0 <= i < writableCount()}. */
    public MemorySegment writable(int i) {
        return segment(readableCount + checkIndex(i, count - readableCount));
    }

    private static int checkIndex(int i, int limit) {
        if (i < 0 || i >= limit) {
            throw new IndexOutOfBoundsException("segment index=" + i + " count=" + limit);
        }
        return i;
    }

    /**
     * Copies bytes of the readable stream, starting at {@code streamOffset}, into {@code dst}.
     *
     * @return the number of bytes copied: less than {@code dst.byteSize()} if the stream ends first
     */
    public long readFrom(long streamOffset, MemorySegment dst) {
        return copy(0, readableCount, streamOffset, dst, true);
    }

    /**
     * Copies {@code src} into the writable stream at {@code streamOffset}.
     *
     * @return the number of bytes copied: less than {@code src.byteSize()} if the stream ends first
     */
    public long writeTo(long streamOffset, MemorySegment src) {
        return copy(readableCount, count, streamOffset, src, false);
    }

    private long copy(int from, int to, long streamOffset, MemorySegment buffer, boolean intoBuffer) {
        long done = 0;
        long want = buffer.byteSize();
        long skip = streamOffset;
        for (int i = from; i < to && done < want; i++) {
            long size = lengths[i];
            if (skip >= size) {
                skip -= size;
                continue;
            }
            long n = Math.min(size - skip, want - done);
            if (intoBuffer) {
                MemorySegment.copy(bases[i], offsets[i] + skip, buffer, done, n);
            } else {
                MemorySegment.copy(buffer, done, bases[i], offsets[i] + skip, n);
            }
            done += n;
            skip = 0;
        }
        return done;
    }

    /**
     * Slices of the readable stream covering {@code [offset, offset + length)}, in order: the
     * scatter-gather list for a device that hands guest buffers straight to I/O.
     *
     * @throws IndexOutOfBoundsException if the range exceeds the readable stream
     */
    public MemorySegment[] readableRange(long offset, long length) {
        return range(0, readableCount, readableLength, offset, length);
    }

    /** Slices of the writable stream covering {@code [offset, offset + length)}, in order. */
    public MemorySegment[] writableRange(long offset, long length) {
        return range(readableCount, count, writableLength, offset, length);
    }

    private MemorySegment[] range(int from, int to, long streamLength, long offset, long length) {
        if (offset < 0 || length < 0 || offset > streamLength - length) {
            throw new IndexOutOfBoundsException("range offset=" + offset + " length=" + length
                    + " exceeds stream of " + streamLength + " bytes");
        }
        int first = from;
        long skip = offset;
        while (first < to && skip >= lengths[first] && lengths[first] > 0) {
            skip -= lengths[first];
            first++;
        }
        int n = 0;
        long left = length;
        long s = skip;
        for (int i = first; i < to && left > 0; i++) {
            long take = Math.min(lengths[i] - s, left);
            if (take > 0) {
                n++;
                left -= take;
            }
            s = 0;
        }
        MemorySegment[] out = new MemorySegment[n];
        left = length;
        s = skip;
        int k = 0;
        for (int i = first; i < to && left > 0; i++) {
            long take = Math.min(lengths[i] - s, left);
            if (take > 0) {
                out[k++] = bases[i].asSlice(offsets[i] + s, take);
                left -= take;
            }
            s = 0;
        }
        return out;
    }

    /** Writes one byte at {@code streamOffset} of the writable stream; false if the stream is shorter. */
    public boolean writeByte(long streamOffset, byte value) {
        long skip = streamOffset;
        for (int i = readableCount; i < count; i++) {
            if (skip < lengths[i]) {
                bases[i].set(ValueLayout.JAVA_BYTE, offsets[i] + skip, value);
                return true;
            }
            skip -= lengths[i];
        }
        return false;
    }

    @Override
    public String toString() {
        return "DescriptorChain[head=" + head + ", readable=" + readableCount + "/" + readableLength
                + "B, writable=" + (count - readableCount) + "/" + writableLength + "B]";
    }
}
