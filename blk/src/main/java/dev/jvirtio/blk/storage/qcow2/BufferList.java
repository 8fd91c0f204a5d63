package dev.jvirtio.blk.storage.qcow2;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A request's scatter-gather list seen as one run of bytes, so that pieces of it can be handed to
 * different host offsets: slices, copies in and out, and zero fills by position. Not thread-safe;
 * one per request.
 */
final class BufferList {

    private final MemorySegment[] segments;
    private final long[] starts;
    private final long length;

    BufferList(MemorySegment[] segments) {
        this.segments = segments;
        this.starts = new long[segments.length];
        long at = 0;
        for (int i = 0; i < segments.length; i++) {
            starts[i] = at;
            at += segments[i].byteSize();
        }
        this.length = at;
    }

    /** The total length in bytes. */
    long length() {
        return length;
    }

    /** The segments that cover {@code [from, from + count)} of the run, sliced to it. */
    MemorySegment[] slice(long from, long count) {
        List<MemorySegment> out = new ArrayList<>();
        long end = from + count;
        for (int i = indexOf(from); i < segments.length && starts[i] < end; i++) {
            long segmentStart = starts[i];
            long lo = Math.max(from, segmentStart) - segmentStart;
            long hi = Math.min(end, segmentStart + segments[i].byteSize()) - segmentStart;
            if (hi > lo) {
                out.add(segments[i].asSlice(lo, hi - lo));
            }
        }
        return out.toArray(MemorySegment[]::new);
    }

    /** Copies {@code count} bytes of the run from {@code from} into {@code target} at {@code targetOffset}. */
    void copyTo(long from, MemorySegment target, long targetOffset, long count) {
        long done = 0;
        for (MemorySegment piece : slice(from, count)) {
            MemorySegment.copy(piece, ValueLayout.JAVA_BYTE, 0, target, ValueLayout.JAVA_BYTE, targetOffset + done,
                    piece.byteSize());
            done += piece.byteSize();
        }
    }

    /** Copies {@code count} bytes of {@code source} at {@code sourceOffset} into the run at {@code from}. */
    void copyFrom(long from, MemorySegment source, long sourceOffset, long count) {
        long done = 0;
        for (MemorySegment piece : slice(from, count)) {
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, sourceOffset + done, piece, ValueLayout.JAVA_BYTE, 0,
                    piece.byteSize());
            done += piece.byteSize();
        }
    }

    /** Fills {@code count} bytes of the run from {@code from} with zeroes. */
    void zero(long from, long count) {
        for (MemorySegment piece : slice(from, count)) {
            piece.fill((byte) 0);
        }
    }

    private int indexOf(long offset) {
        int i = Arrays.binarySearch(starts, offset);
        if (i >= 0) {
            // Skip empty segments that start at the same offset.
            while (i + 1 < starts.length && starts[i + 1] == offset) {
                i++;
            }
            return i;
        }
        return Math.max(0, -i - 2);
    }
}
