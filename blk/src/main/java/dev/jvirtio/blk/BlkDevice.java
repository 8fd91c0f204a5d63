package dev.jvirtio.blk;

import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.core.device.ConfigSpace;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.device.VirtioDevice;
import dev.jvirtio.core.device.VirtioFeatures;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * The virtio-blk device (VIRTIO 1.2, 5.2) over a {@link Storage}: one request processor per queue,
 * the configuration space, and the features the storage can honour.
 *
 * <p>Thread-safety: each queue's processor runs on one I/O thread; several queues run at once and
 * share the storage, which is thread-safe. Config reads and writes may come from the transport's
 * thread.
 */
public final class BlkDevice implements VirtioDevice, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BlkDevice.class.getName());

    /** VIRTIO device ID of a block device (5). */
    public static final int DEVICE_ID = 2;
    /** Largest segment the driver may use (SIZE_MAX), 1 MiB. */
    public static final int SIZE_MAX_BYTES = 1 << 20;
    /**
     * Data segments per request (SEG_MAX). The driver adds the header and the status descriptor, so
     * a chain holds SEG_MAX + 2 descriptors, and VIRTIO 1.2, 2.7.5.3.1 forbids chains longer than the
     * queue size. The config is read before the front-end picks its queue size, so this assumes
     * QEMU's default queue size of 128 (or the device's own limit, if smaller).
     */
    public static final int DEFAULT_RING_FOR_SEG_MAX = 128;

    /** Most sectors of one discard or write-zeroes segment. */
    public static final int MAX_DISCARD_SECTORS = 1 << 22;
    /** Most segments of one discard or write-zeroes request. */
    public static final int MAX_DISCARD_SEGMENTS = 16;

    private final Storage storage;
    private final BlkOptions options;
    private final BlkQueueProcessor[] processors;
    private final ExecutorService workers;
    private volatile long negotiated;
    private volatile boolean writeback;

    public BlkDevice(Storage storage, BlkOptions options) {
        this.storage = storage;
        this.options = options;
        this.writeback = storage.writebackCache();
        this.workers = options.ioWorkers() == 0 ? null : Executors.newFixedThreadPool(options.ioWorkers(),
                Thread.ofPlatform().name("jvirtio-" + options.name() + "-io", 0).daemon(true).factory());
        this.processors = new BlkQueueProcessor[options.queues()];
        for (int i = 0; i < processors.length; i++) {
            processors[i] = new BlkQueueProcessor(this);
        }
    }

    /** The I/O workers, or null when requests are served on the queue threads. */
    Executor workers() {
        return workers;
    }

    /** Stops the I/O workers after the requests they hold. */
    @Override
    public void close() {
        if (workers != null) {
            workers.close();
        }
    }

    Storage storage() {
        return storage;
    }

    BlkOptions options() {
        return options;
    }


    /** Whether writes may stay in a volatile cache until a flush (the config's writeback field). */
    boolean writeback() {
        return writeback;
    }

    boolean negotiated(int bit) {
        return VirtioFeatures.has(negotiated, bit);
    }

    /** Counters of queue {@code index}: requests, bytes, errors by kind. */
    public BlkCounters queueCounters(int index) {
        return processors[index].counters();
    }

    /** The sum of every queue's counters at the time of the call. */
    public BlkCounters counters() {
        BlkCounters total = new BlkCounters();
        for (BlkQueueProcessor p : processors) {
            total.add(p.counters());
        }
        return total;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public long offeredFeatures() {
        long f = VirtioFeatures.of(VirtioFeatures.VERSION_1, VirtioFeatures.RING_EVENT_IDX,
                VirtioFeatures.RING_INDIRECT_DESC, BlkFeatures.SIZE_MAX, BlkFeatures.SEG_MAX, BlkFeatures.BLK_SIZE,
                BlkFeatures.FLUSH, BlkFeatures.TOPOLOGY, BlkFeatures.CONFIG_WCE, BlkFeatures.MQ);
        if (storage.readOnly()) {
            f |= VirtioFeatures.bit(BlkFeatures.RO);
        } else {
            if (storage.supportsDiscard()) {
                f |= VirtioFeatures.bit(BlkFeatures.DISCARD);
            }
            if (storage.supportsWriteZeroes()) {
                f |= VirtioFeatures.bit(BlkFeatures.WRITE_ZEROES);
            }
        }
        return f;
    }

    @Override
    public int maxQueues() {
        return options.queues();
    }

    @Override
    public int maxQueueSize() {
        return options.queueSize();
    }

    @Override
    public int configSize() {
        return BlkConfig.SIZE;
    }

    /** The configuration space as the driver would read it now. */
    public byte[] config() {
        int blk = storage.logicalBlockSize();
        int physical = Math.max(blk, storage.physicalBlockSize());
        return BlkConfig.encode(new BlkConfig.Values(
                storage.sizeBytes() >>> BlkRequestType.SECTOR_SHIFT,
                SIZE_MAX_BYTES,
                Math.min(options.queueSize(), DEFAULT_RING_FOR_SEG_MAX) - 2,
                blk,
                Integer.numberOfTrailingZeros(physical / blk),
                1,
                0,
                writeback,
                options.queues(),
                MAX_DISCARD_SECTORS,
                MAX_DISCARD_SEGMENTS,
                Math.max(1, blk / BlkRequestType.SECTOR_SIZE),
                MAX_DISCARD_SECTORS,
                MAX_DISCARD_SEGMENTS,
                true));
    }

    @Override
    public void readConfig(int offset, MemorySegment dst) {
        ConfigSpace.read(config(), offset, dst);
    }

    /**
     * Only {@code writeback} is writable, and only with CONFIG_WCE (5.2.5: the driver may switch the
     * cache mode); everything else is read-only and ignored.
     */
    @Override
    public void writeConfig(int offset, MemorySegment src) {
        long at = BlkConfig.WRITEBACK - (long) offset;
        if (negotiated(BlkFeatures.CONFIG_WCE) && at >= 0 && at < src.byteSize()) {
            writeback = src.get(ValueLayout.JAVA_BYTE, at) != 0;
        }
    }

    @Override
    public void activate(long negotiatedFeatures) {
        this.negotiated = negotiatedFeatures;
    }

    @Override
    public RequestProcessor processor(int index) {
        return processors[index];
    }

    /** Back to the storage's own cache mode; writes still in a volatile cache are flushed. */
    @Override
    public void reset() {
        try {
            storage.flush();
        } catch (StorageException e) {
            LOG.warning(name() + ": flush on reset failed: " + e.getMessage());
        }
        negotiated = 0;
        writeback = storage.writebackCache();
    }
}
