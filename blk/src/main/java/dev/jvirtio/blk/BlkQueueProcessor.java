package dev.jvirtio.blk;

import static dev.jvirtio.blk.BlkRequestType.*;

import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.core.device.CompletionSink;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Serves the requests of one virtio-blk queue (VIRTIO 1.2, 5.2.6): a 16-byte header in the
 * readable part, the data, and a status byte at the very end of the writable part. Data moves
 * straight between guest memory and the storage. A request the device cannot honour is answered
 * with IOERR or UNSUPP; only a chain without room for the status byte goes back with length 0.
 *
 * <p>Reads, writes and flushes run on the device's I/O workers when it has them, so that many
 * requests of one queue are in flight at once (QEMU's aio=threads); otherwise inline on the
 * queue's thread. Used by one I/O thread at a time; counters are thread-safe.
 */
final class BlkQueueProcessor implements RequestProcessor {

    private static final Logger LOG = Logger.getLogger(BlkQueueProcessor.class.getName());
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final BlkDevice device;
    private final Storage storage;
    private final BlkCounters counters = new BlkCounters();
    private volatile CompletionSink sink;
    /** Requests handed to the workers and not completed yet. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private int batchSize;
    private final MemorySegment header = Arena.ofAuto().allocate(HEADER_SIZE, 8);
    private final MemorySegment segment = Arena.ofAuto().allocate(DISCARD_SEGMENT_SIZE, 8);

    BlkQueueProcessor(BlkDevice device) {
        this.device = device;
        this.storage = device.storage();
    }

    BlkCounters counters() {
        return counters;
    }

    @Override
    public void beginBatch(int size) {
        batchSize = size;
    }

    @Override
    public void bind(CompletionSink completions) {
        this.sink = completions;
    }

    @Override
    public long process(DescriptorChain chain) {
        // 5.2.6: the status byte is the last byte of the device-writable part.
        if (chain.writableLength() < 1) {
            counters.malformed.increment();
            return 0;
        }
        long statusOffset = chain.writableLength() - 1;
        if (chain.readFrom(0, header) < HEADER_SIZE) {
            return fail(chain, statusOffset, S_IOERR, "request header shorter than 16 bytes");
        }
        int type = header.get(LE32, 0);
        long sector = header.get(LE64, 8);
        try {
            return switch (type) {
                case IN -> read(chain, sector, statusOffset);
                case OUT -> write(chain, sector, statusOffset);
                case FLUSH -> flush(chain, statusOffset);
                case GET_ID -> getId(chain, statusOffset);
                case DISCARD -> discardOrZero(chain, statusOffset, false);
                case WRITE_ZEROES -> discardOrZero(chain, statusOffset, true);
                default -> {
                    counters.unsupported.increment();
                    yield status(chain, statusOffset, S_UNSUPP, 0);
                }
            };
        } catch (StorageException e) {
            LOG.fine(() -> device.name() + ": request type=" + type + " sector=" + sector + ": " + e.getMessage());
            return fail(chain, statusOffset, S_IOERR, e.getMessage());
        }
    }

    private long read(DescriptorChain chain, long sector, long statusOffset) throws StorageException {
        long length = statusOffset;
        long offset = checkRange(sector, length);
        if (offset < 0) {
            return fail(chain, statusOffset, S_IOERR, "read out of range");
        }
        MemorySegment[] buffers = length > 0 ? chain.writableRange(0, length) : null;
        return perform(chain, statusOffset, () -> {
            if (buffers != null) {
                storage.read(offset, buffers);
            }
            counters.reads.increment();
            counters.bytesRead.add(length);
            return length;
        });
    }

    private long write(DescriptorChain chain, long sector, long statusOffset) throws StorageException {
        // 5.2.6.2: a device offering RO answers writes with IOERR.
        if (storage.readOnly()) {
            return fail(chain, statusOffset, S_IOERR, "write to a read-only device");
        }
        long length = chain.readableLength() - HEADER_SIZE;
        long offset = checkRange(sector, length);
        if (offset < 0) {
            return fail(chain, statusOffset, S_IOERR, "write out of range");
        }
        MemorySegment[] buffers = length > 0 ? chain.readableRange(HEADER_SIZE, length) : null;
        boolean writeThrough = !device.writeback();
        return perform(chain, statusOffset, () -> {
            if (buffers != null) {
                storage.write(offset, buffers);
                if (writeThrough) {
                    storage.flush();
                }
            }
            counters.writes.increment();
            counters.bytesWritten.add(length);
            return 0;
        });
    }

    /** A storage operation; returns the data bytes it wrote into guest memory. */
    @FunctionalInterface
    private interface StorageCall {
        long run() throws StorageException;
    }

    /**
     * Runs {@code call} on the device's I/O workers and completes the chain through the sink
     * ({@link RequestProcessor#PENDING}); inline when the device has no workers, or when this is a
     * lone request with nothing else in flight, where a hand-off to another thread would only add
     * latency (queue depth 1).
     */
    private long perform(DescriptorChain chain, long statusOffset, StorageCall call) {
        CompletionSink s = sink;
        Executor workers = device.workers();
        boolean alone = batchSize <= 1 && outstanding.get() == 0;
        if (s != null && workers != null && !alone) {
            outstanding.incrementAndGet();
            try {
                workers.execute(() -> {
                    long used = finish(chain, statusOffset, call);
                    outstanding.decrementAndGet();
                    s.complete(chain, used);
                });
                return PENDING;
            } catch (RejectedExecutionException e) {
                outstanding.decrementAndGet();
            }
        }
        return finish(chain, statusOffset, call);
    }

    private long finish(DescriptorChain chain, long statusOffset, StorageCall call) {
        try {
            return status(chain, statusOffset, S_OK, call.run());
        } catch (StorageException e) {
            return fail(chain, statusOffset, S_IOERR, e.getMessage());
        }
    }

    /**
     * The byte offset of a transfer of {@code length} bytes at {@code sector}, or -1 if it is not a
     * whole number of sectors (5.2.6.1) or does not fit in the capacity.
     */
    private long checkRange(long sector, long length) {
        long capacity = storage.sizeBytes() >>> SECTOR_SHIFT;
        if (length % SECTOR_SIZE != 0 || sector < 0 || sector > capacity
                || (length >>> SECTOR_SHIFT) > capacity - sector) {
            return -1;
        }
        return sector << SECTOR_SHIFT;
    }

    private long flush(DescriptorChain chain, long statusOffset) {
        return perform(chain, statusOffset, () -> {
            storage.flush();
            counters.flushes.increment();
            return 0;
        });
    }

    private long getId(DescriptorChain chain, long statusOffset) {
        byte[] serial = device.options().serial().getBytes(StandardCharsets.US_ASCII);
        // 5.2.6: up to VIRTIO_BLK_ID_BYTES, NUL-terminated only if shorter.
        int n = (int) Math.min(Math.min(serial.length, ID_BYTES), statusOffset);
        chain.writeTo(0, MemorySegment.ofArray(serial).asSlice(0, n));
        if (n < statusOffset && n < ID_BYTES) {
            chain.writeByte(n, (byte) 0);
            n++;
        }
        return status(chain, statusOffset, S_OK, n);
    }

    private long discardOrZero(DescriptorChain chain, long statusOffset, boolean zeroes) throws StorageException {
        if (!device.negotiated(zeroes ? BlkFeatures.WRITE_ZEROES : BlkFeatures.DISCARD) || storage.readOnly()) {
            counters.unsupported.increment();
            return status(chain, statusOffset, S_UNSUPP, 0);
        }
        long payload = chain.readableLength() - HEADER_SIZE;
        long segments = payload / DISCARD_SEGMENT_SIZE;
        // 5.2.6.1: the payload is a whole number of segments, at most max_*_seg of them.
        if (payload % DISCARD_SEGMENT_SIZE != 0 || segments == 0 || segments > BlkDevice.MAX_DISCARD_SEGMENTS) {
            return fail(chain, statusOffset, S_IOERR, "discard payload of " + payload + " bytes");
        }
        for (long i = 0; i < segments; i++) {
            chain.readFrom(HEADER_SIZE + i * DISCARD_SEGMENT_SIZE, segment);
            long sector = segment.get(LE64, 0);
            long sectors = Integer.toUnsignedLong(segment.get(LE32, 8));
            int flags = segment.get(LE32, 12);
            // 5.2.6.2: unknown flags, or UNMAP on a discard, are UNSUPP.
            if ((flags & ~F_UNMAP) != 0 || (!zeroes && flags != 0)) {
                counters.unsupported.increment();
                return status(chain, statusOffset, S_UNSUPP, 0);
            }
            if (sectors > BlkDevice.MAX_DISCARD_SECTORS) {
                return fail(chain, statusOffset, S_IOERR, "discard of " + sectors + " sectors exceeds the limit");
            }
            long offset = checkRange(sector, sectors << SECTOR_SHIFT);
            if (offset < 0) {
                return fail(chain, statusOffset, S_IOERR, "discard out of range");
            }
            if (zeroes) {
                storage.writeZeroes(offset, sectors << SECTOR_SHIFT, (flags & F_UNMAP) != 0);
            } else {
                storage.discard(offset, sectors << SECTOR_SHIFT);
            }
        }
        (zeroes ? counters.writeZeroes : counters.discards).increment();
        return status(chain, statusOffset, S_OK, 0);
    }

    private long fail(DescriptorChain chain, long statusOffset, byte status, String why) {
        counters.ioErrors.increment();
        LOG.fine(() -> device.name() + ": " + why);
        return status(chain, statusOffset, status, 0);
    }

    /** Writes the status byte; the used length counts the data written plus the status byte. */
    private static long status(DescriptorChain chain, long statusOffset, byte status, long dataWritten) {
        chain.writeByte(statusOffset, status);
        return dataWritten + 1;
    }
}
