package dev.jvirtio.blk.storage;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Native buffers laid out the way a guest's descriptors may lay them out, aligned or not. */
final class GuestBuffers {

    private GuestBuffers() {
    }

    /**
     * Segments of the given lengths, each starting {@code shift} bytes past a 4096-byte boundary
     * (shift 0: page-aligned, as O_DIRECT likes; 1..511: misaligned).
     */
    static MemorySegment[] allocate(Arena arena, int shift, int... lengths) {
        MemorySegment[] segments = new MemorySegment[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            segments[i] = arena.allocate(lengths[i] + shift + 4096L, 4096).asSlice(shift, lengths[i]);
        }
        return segments;
    }

    /** Fills the segments, in order, with {@code bytes}. */
    static void fill(MemorySegment[] segments, byte[] bytes) {
        int at = 0;
        for (MemorySegment segment : segments) {
            MemorySegment.copy(bytes, at, segment, JAVA_BYTE, 0, (int) segment.byteSize());
            at += (int) segment.byteSize();
        }
    }

    /** The segments' bytes, in order. */
    static byte[] contents(MemorySegment[] segments) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (MemorySegment segment : segments) {
            joined.writeBytes(segment.toArray(JAVA_BYTE));
        }
        return joined.toByteArray();
    }

    /** The total length of {@code lengths}. */
    static int total(int... lengths) {
        int sum = 0;
        for (int length : lengths) {
            sum += length;
        }
        return sum;
    }
}
