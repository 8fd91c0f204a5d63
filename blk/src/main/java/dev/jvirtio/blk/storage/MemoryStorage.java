package dev.jvirtio.blk.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A disk held in native memory, zero-filled at first: for tests that want a real storage without
 * files. Discard and write-zeroes make their ranges read as zeroes. Reports 512-byte blocks and
 * cache mode writeback; flushes have nothing to do.
 *
 * <p>Thread-safe for requests; {@link #close()} frees the memory and must follow the last request.
 */
public final class MemoryStorage implements Storage {

    private static final int BLOCK = 512;

    private final Arena arena;
    private final MemorySegment memory;
    private final boolean readOnly;
    private final StorageRange range;
    private final StorageCounters counters = new StorageCounters();

    /** A writable disk of {@code sizeBytes} zeroes. */
    public MemoryStorage(long sizeBytes) {
        this(sizeBytes, false);
    }

    /**
     * A disk of {@code sizeBytes} zeroes.
     *
     * @param readOnly whether writes, discards and write-zeroes are refused
     * @throws IllegalArgumentException if {@code sizeBytes} is negative
     */
    public MemoryStorage(long sizeBytes, boolean readOnly) {
        this.range = new StorageRange("memory disk", sizeBytes, readOnly);
        this.arena = Arena.ofShared();
        this.memory = arena.allocate(Math.max(sizeBytes, 1), BLOCK).asSlice(0, sizeBytes);
        this.readOnly = readOnly;
    }

    /** A read-only view of the disk's bytes, for inspecting what was written. */
    public MemorySegment contents() {
        return memory.asReadOnly();
    }

    @Override
    public long sizeBytes() {
        return memory.byteSize();
    }

    @Override
    public int logicalBlockSize() {
        return BLOCK;
    }

    @Override
    public int physicalBlockSize() {
        return BLOCK;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public CacheMode cacheMode() {
        return CacheMode.WRITEBACK;
    }

    @Override
    public StorageCounters counters() {
        return counters;
    }

    @Override
    public void read(long offset, MemorySegment[] dst) {
        long length = range.checkRead(offset, dst);
        new SegmentCursor(dst).scatter(memory, offset, length);
        counters.recordRead(length);
    }

    @Override
    public void write(long offset, MemorySegment[] src) {
        long length = range.checkWrite(offset, src);
        new SegmentCursor(src).gather(memory, offset, length);
        counters.recordWrite(length);
    }

    @Override
    public void flush() {
        counters.recordFlush();
    }

    @Override
    public void discard(long offset, long length) {
        range.checkDiscard(offset, length);
        memory.asSlice(offset, length).fill((byte) 0);
        counters.recordDiscard();
    }

    @Override
    public void writeZeroes(long offset, long length, boolean unmap) {
        range.checkWriteZeroes(offset, length);
        memory.asSlice(offset, length).fill((byte) 0);
        counters.recordWriteZeroes();
    }

    /** Frees the memory; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "MemoryStorage[" + memory.byteSize() + " bytes" + (readOnly ? ", read-only" : "") + "]";
    }
}
