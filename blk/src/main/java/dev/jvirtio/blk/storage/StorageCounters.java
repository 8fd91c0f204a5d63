package dev.jvirtio.blk.storage;

import java.util.concurrent.atomic.LongAdder;

/**
 * Running counts of a storage's requests. Storages record into it; devices, benchmarks and tests
 * read it. Thread-safe and cheap to record from several I/O threads.
 */
public final class StorageCounters {

    private final LongAdder reads = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private final LongAdder discards = new LongAdder();
    private final LongAdder writeZeroes = new LongAdder();
    private final LongAdder bounces = new LongAdder();

    /** Completed reads. */
    public long reads() {
        return reads.sum();
    }

    /** Completed writes. */
    public long writes() {
        return writes.sum();
    }

    /** Bytes of completed reads. */
    public long bytesRead() {
        return bytesRead.sum();
    }

    /** Bytes of completed writes. */
    public long bytesWritten() {
        return bytesWritten.sum();
    }

    /** Flush requests served (also those that cache mode unsafe ignores). */
    public long flushes() {
        return flushes.sum();
    }

    /** Discard requests served. */
    public long discards() {
        return discards.sum();
    }

    /** Write-zeroes requests served. */
    public long writeZeroes() {
        return writeZeroes.sum();
    }

    /**
     * Reads and writes that went through an aligned bounce buffer because a guest buffer did not
     * meet {@code O_DIRECT}'s alignment (or was not native memory).
     */
    public long bounces() {
        return bounces.sum();
    }

    /** Records a completed read of {@code bytes}. */
    public void recordRead(long bytes) {
        reads.increment();
        bytesRead.add(bytes);
    }

    /** Records a completed write of {@code bytes}. */
    public void recordWrite(long bytes) {
        writes.increment();
        bytesWritten.add(bytes);
    }

    /** Records a flush request. */
    public void recordFlush() {
        flushes.increment();
    }

    /** Records a discard request. */
    public void recordDiscard() {
        discards.increment();
    }

    /** Records a write-zeroes request. */
    public void recordWriteZeroes() {
        writeZeroes.increment();
    }

    /** Records a transfer that went through a bounce buffer. */
    public void recordBounce() {
        bounces.increment();
    }

    @Override
    public String toString() {
        return "reads=" + reads() + " (" + bytesRead() + " B), writes=" + writes() + " (" + bytesWritten()
                + " B), flushes=" + flushes() + ", discards=" + discards() + ", writeZeroes=" + writeZeroes()
                + ", bounces=" + bounces();
    }
}
