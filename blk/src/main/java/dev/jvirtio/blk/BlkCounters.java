package dev.jvirtio.blk;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a virtio-blk queue, or a sum over queues. Updated by the queue's I/O thread, readable
 * from any thread.
 */
public final class BlkCounters {

    final LongAdder reads = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder flushes = new LongAdder();
    final LongAdder discards = new LongAdder();
    final LongAdder writeZeroes = new LongAdder();
    final LongAdder ioErrors = new LongAdder();
    final LongAdder unsupported = new LongAdder();
    final LongAdder malformed = new LongAdder();

    /** Adds {@code other}'s current values to this one's. */
    void add(BlkCounters other) {
        reads.add(other.reads());
        writes.add(other.writes());
        bytesRead.add(other.bytesRead());
        bytesWritten.add(other.bytesWritten());
        flushes.add(other.flushes());
        discards.add(other.discards());
        writeZeroes.add(other.writeZeroes());
        ioErrors.add(other.ioErrors());
        unsupported.add(other.unsupported());
        malformed.add(other.malformed());
    }

    public long reads() {
        return reads.sum();
    }

    public long writes() {
        return writes.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    public long flushes() {
        return flushes.sum();
    }

    public long discards() {
        return discards.sum();
    }

    public long writeZeroes() {
        return writeZeroes.sum();
    }

    /** Requests answered with VIRTIO_BLK_S_IOERR (out of range, misframed, storage failures). */
    public long ioErrors() {
        return ioErrors.sum();
    }

    /** Requests answered with VIRTIO_BLK_S_UNSUPP. */
    public long unsupported() {
        return unsupported.sum();
    }

    /** Chains with no room for a status byte: returned with used length 0. */
    public long malformed() {
        return malformed.sum();
    }

    @Override
    public String toString() {
        return "reads=" + reads() + " writes=" + writes() + " bytesRead=" + bytesRead() + " bytesWritten=" + bytesWritten()
                + " flushes=" + flushes() + " discards=" + discards() + " writeZeroes=" + writeZeroes()
                + " ioErrors=" + ioErrors() + " unsupported=" + unsupported() + " malformed=" + malformed();
    }
}
