package dev.jvirtio.blk.storage;

import java.lang.foreign.MemorySegment;

/**
 * A disk that stores nothing, for benchmarks that measure the device and transport alone, like
 * QEMU's {@code null-co} driver: writes, flushes, discards and write-zeroes succeed and are
 * dropped.
 *
 * <p>By default reads leave the guest's buffers untouched, as {@code null-co} does with its default
 * {@code read-zeroes=off}, so that benchmarks against {@code qemu-storage-daemon} compare like with
 * like. With {@code zeroReads} they fill the buffers with zeroes, which costs a memory write per
 * byte but shows the guest no stale memory.
 *
 * <p>Range checks apply as for any storage. Reports 512-byte blocks and cache mode writeback.
 * Thread-safe.
 */
public final class NullStorage implements Storage {

    private static final int BLOCK = 512;

    private final long size;
    private final boolean zeroReads;
    private final StorageRange range;
    private final StorageCounters counters = new StorageCounters();

    /** A null disk of {@code sizeBytes} whose reads leave the buffers untouched. */
    public NullStorage(long sizeBytes) {
        this(sizeBytes, false);
    }

    /**
     * A null disk of {@code sizeBytes}.
     *
     * @param zeroReads whether reads fill the buffers with zeroes
     * @throws IllegalArgumentException if {@code sizeBytes} is negative
     */
    public NullStorage(long sizeBytes, boolean zeroReads) {
        this.range = new StorageRange("null disk", sizeBytes, false);
        this.size = sizeBytes;
        this.zeroReads = zeroReads;
    }

    /** Whether reads fill the buffers with zeroes. */
    public boolean zeroReads() {
        return zeroReads;
    }

    @Override
    public long sizeBytes() {
        return size;
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
        return false;
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
        if (zeroReads) {
            for (MemorySegment segment : dst) {
                segment.fill((byte) 0);
            }
        }
        counters.recordRead(length);
    }

    @Override
    public void write(long offset, MemorySegment[] src) {
        counters.recordWrite(range.checkWrite(offset, src));
    }

    @Override
    public void flush() {
        counters.recordFlush();
    }

    @Override
    public void discard(long offset, long length) {
        range.checkDiscard(offset, length);
        counters.recordDiscard();
    }

    @Override
    public void writeZeroes(long offset, long length, boolean unmap) {
        range.checkWriteZeroes(offset, length);
        counters.recordWriteZeroes();
    }

    @Override
    public void close() {
        // Nothing to release.
    }

    @Override
    public String toString() {
        return "NullStorage[" + size + " bytes" + (zeroReads ? ", zero reads" : "") + "]";
    }
}
