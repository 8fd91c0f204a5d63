package dev.jvirtio.blk.storage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A position in a list of segments seen as one run of bytes, for copying between a scatter-gather
 * list and a contiguous buffer piece by piece. Not thread-safe; one per transfer.
 */
final class SegmentCursor {

    private final MemorySegment[] segments;
    private int index;
    private long within;

    SegmentCursor(MemorySegment[] segments) {
        this.segments = segments;
    }

    /** Copies the next {@code length} bytes of the segments into {@code target} at {@code targetOffset}. */
    void gather(MemorySegment target, long targetOffset, long length) {
        copy(target, targetOffset, length, true);
    }

    /** Copies {@code length} bytes of {@code source} at {@code sourceOffset} into the next bytes of the segments. */
    void scatter(MemorySegment source, long sourceOffset, long length) {
        copy(source, sourceOffset, length, false);
    }

    private void copy(MemorySegment buffer, long bufferOffset, long length, boolean gathering) {
        long left = length;
        while (left > 0) {
            MemorySegment segment = segments[index];
            long piece = Math.min(left, segment.byteSize() - within);
            if (piece > 0) {
                if (gathering) {
                    MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, within, buffer, ValueLayout.JAVA_BYTE,
                            bufferOffset, piece);
                } else {
                    MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, bufferOffset, segment, ValueLayout.JAVA_BYTE,
                            within, piece);
                }
                within += piece;
                bufferOffset += piece;
                left -= piece;
            }
            if (within == segment.byteSize()) {
                index++;
                within = 0;
            }
        }
    }
}
