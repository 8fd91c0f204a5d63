package dev.jvirtio.blk.storage;

import dev.jvirtio.linux.DirectFile;
import dev.jvirtio.linux.LinuxException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Positioned transfers of a {@link DirectFile} opened in a {@link CacheMode}, kept within what
 * {@code O_DIRECT} accepts. In the {@code O_DIRECT} modes (none, directsync) the kernel takes a
 * buffer only if its address is aligned to the file's direct-I/O memory alignment and the offset
 * and every length to its direct-I/O block; in the other modes any native memory will do. A
 * transfer that the kernel cannot take as it is goes through an aligned bounce buffer instead (one
 * per thread, {@value #BOUNCE_BYTES} bytes, reused), reading and rewriting the partial blocks at
 * the edges of its range.
 *
 * <p>The file stays the caller's: this class neither opens nor closes it, and leaves the handling
 * of short reads and of failures to the caller.
 *
 * <p>Thread-safety: transfers may run concurrently, each thread with its own bounce buffer; two
 * concurrent bounced writes that touch the same direct-I/O block may lose one of them, which only
 * overlapping requests can do.
 */
public final class AlignedTransfers {

    /** Size of each thread's bounce buffer: a multiple of every direct-I/O block size. */
    public static final int BOUNCE_BYTES = 1 << 20;

    /** An alignment that suits the memory of any transfer to any file (a page). */
    public static final int BUFFER_ALIGNMENT = 4096;

    private static final ThreadLocal<MemorySegment> BOUNCE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BOUNCE_BYTES, BUFFER_ALIGNMENT));

    private final DirectFile file;
    private final int memoryAlignment;
    private final int blockAlignment;

    /** Transfers of {@code file}, which was opened for {@code mode} ({@code O_DIRECT} exactly when the mode is direct). */
    public AlignedTransfers(DirectFile file, CacheMode mode) {
        this.file = file;
        this.memoryAlignment = mode.direct() ? file.directMemoryAlignment() : 1;
        this.blockAlignment = mode.direct() ? file.directOffsetAlignment() : 1;
    }

    /** The alignment, in bytes, that a buffer's address needs for a zero-copy transfer (1 without O_DIRECT). */
    public int memoryAlignment() {
        return memoryAlignment;
    }

    /** The unit, in bytes, that offsets and lengths need for a zero-copy transfer (1 without O_DIRECT). */
    public int blockAlignment() {
        return blockAlignment;
    }

    /**
     * Whether the kernel can take the segments as they are: native memory, and in the O_DIRECT
     * modes aligned addresses, offset and lengths.
     */
    public boolean zeroCopyPossible(long offset, MemorySegment[] segments) {
        if (offset % blockAlignment != 0) {
            return false;
        }
        for (MemorySegment segment : segments) {
            if (!segment.isNative() || segment.address() % memoryAlignment != 0
                    || segment.byteSize() % blockAlignment != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads {@code length} bytes from {@code offset} into the segments in order, through the bounce
     * buffer; bytes past the end of the file read as zeroes.
     *
     * @throws LinuxException if a {@code pread} fails
     */
    public void bounceRead(long offset, MemorySegment[] dst, long length) throws LinuxException {
        SegmentCursor cursor = new SegmentCursor(dst);
        forEachChunk(offset, length, (buffer, chunk, from, to) -> {
            readFully(buffer, chunk);
            cursor.scatter(buffer, from - chunk, to - from);
        });
    }

    /**
     * Writes the segments' {@code length} bytes in order at {@code offset}, through the bounce
     * buffer, keeping the bytes of the partial blocks at the range's edges.
     *
     * @throws LinuxException if a {@code pread} or {@code pwrite} fails
     */
    public void bounceWrite(long offset, MemorySegment[] src, long length) throws LinuxException {
        SegmentCursor cursor = new SegmentCursor(src);
        forEachChunk(offset, length, (buffer, chunk, from, to) -> {
            long chunkEnd = chunk + buffer.byteSize();
            if (from > chunk) {
                // The range starts inside a block: keep that block's earlier bytes.
                readFully(buffer.asSlice(0, blockAlignment), chunk);
            }
            boolean oneBlockAlreadyRead = from > chunk && chunkEnd - chunk == blockAlignment;
            if (to < chunkEnd && !oneBlockAlreadyRead) {
                // The range ends inside a block: keep that block's later bytes.
                readFully(buffer.asSlice(chunkEnd - chunk - blockAlignment, blockAlignment), chunkEnd - blockAlignment);
            }
            cursor.gather(buffer, from - chunk, to - from);
            file.pwrite(buffer, chunk);
        });
    }

    /**
     * Walks {@code [offset, offset + length)} widened to whole direct-I/O blocks, in chunks of at
     * most the bounce buffer's size, handing each chunk's slice of this thread's bounce buffer to
     * {@code step} in order.
     */
    private void forEachChunk(long offset, long length, ChunkStep step) throws LinuxException {
        MemorySegment bounce = BOUNCE.get();
        long end = offset + length;
        for (long chunk = alignDown(offset, blockAlignment); chunk < end; ) {
            long chunkEnd = Math.min(chunk + BOUNCE_BYTES, alignUp(end, blockAlignment));
            step.transfer(bounce.asSlice(0, chunkEnd - chunk), chunk, Math.max(offset, chunk), Math.min(end, chunkEnd));
            chunk = chunkEnd;
        }
    }

    /** Reads the whole buffer; the part past the end of the file reads as zeroes. */
    private void readFully(MemorySegment buffer, long offset) throws LinuxException {
        long read = file.pread(buffer, offset);
        if (read < buffer.byteSize()) {
            buffer.asSlice(read).fill((byte) 0);
        }
    }

    static long alignDown(long value, long alignment) {
        return value - value % alignment;
    }

    static long alignUp(long value, long alignment) {
        return alignDown(value + alignment - 1, alignment);
    }

    /** One chunk of a bounced transfer. */
    @FunctionalInterface
    private interface ChunkStep {
        /**
         * Moves the range's bytes {@code [from, to)} between the caller's segments and the file
         * through {@code buffer}, which stands for the file's bytes from {@code chunk}.
         */
        void transfer(MemorySegment buffer, long chunk, long from, long to) throws LinuxException;
    }
}
