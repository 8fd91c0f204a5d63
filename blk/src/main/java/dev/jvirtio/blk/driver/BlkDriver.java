package dev.jvirtio.blk.driver;

import dev.jvirtio.blk.BlkConfig;
import dev.jvirtio.blk.BlkFeatures;
import dev.jvirtio.blk.BlkRequestType;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.driver.QueueTransport;

/**
 * A virtio-blk driver (VIRTIO 1.2, 5.2) over any {@link QueueTransport}: reads the device's
 * configuration, and drives each queue through a {@link BlkDriverQueue} with request buffers in
 * the transport's shared memory.
 *
 * <p>Thread-safety: the driver itself is immutable; each queue is driven by one thread at a time.
 */
public final class BlkDriver {

    /** Descriptors per indirect table a transport should provide (header, data segments, status). */
    public static final int MAX_INDIRECT = 16;
    /** Bytes of the config space the driver reads. */
    public static final int CONFIG_SIZE = BlkConfig.SIZE;

    private static final long CONTROL_BYTES = BlkDriverQueue.CONTROL_SIZE;
    private static final long PAGE = 4096;

    private final QueueTransport transport;
    private final BlkDriverOptions options;
    private final long features;
    private final long capacitySectors;
    private final int blockSize;
    private final int sizeMax;
    private final int segMax;
    private final long maxDiscardSectors;
    private final long maxWriteZeroesSectors;
    private final BlkDriverQueue[] queues;

    private BlkDriver(QueueTransport transport, BlkDriverOptions options, byte[] config) throws BlkIoException {
        this.transport = transport;
        this.options = options;
        this.features = transport.features();
        this.capacitySectors = BlkConfig.u64(config, BlkConfig.CAPACITY);
        this.blockSize = has(BlkFeatures.BLK_SIZE) ? BlkConfig.u32(config, BlkConfig.BLK_SIZE) : BlkRequestType.SECTOR_SIZE;
        this.sizeMax = has(BlkFeatures.SIZE_MAX) ? BlkConfig.u32(config, BlkConfig.SIZE_MAX) : 0;
        this.segMax = has(BlkFeatures.SEG_MAX) ? BlkConfig.u32(config, BlkConfig.SEG_MAX) : 0;
        this.maxDiscardSectors = has(BlkFeatures.DISCARD) && config.length >= BlkConfig.MAX_DISCARD_SEG
                ? Integer.toUnsignedLong(BlkConfig.u32(config, BlkConfig.MAX_DISCARD_SECTORS)) : 0;
        this.maxWriteZeroesSectors = has(BlkFeatures.WRITE_ZEROES) && config.length >= BlkConfig.MAX_WRITE_ZEROES_SEG
                ? Integer.toUnsignedLong(BlkConfig.u32(config, BlkConfig.MAX_WRITE_ZEROES_SECTORS)) : 0;
        this.queues = new BlkDriverQueue[transport.queueCount()];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new BlkDriverQueue(this, i);
        }
    }

    /**
     * The virtio features this driver can use; a transport negotiates these (and what it needs itself).
     *
     * @param eventIdx whether to use notification suppression by event index (2.7.7, 2.7.10)
     */
    public static long features(boolean eventIdx) {
        return VirtioFeatures.of(VirtioFeatures.VERSION_1, VirtioFeatures.RING_INDIRECT_DESC, BlkFeatures.SIZE_MAX,
                BlkFeatures.SEG_MAX, BlkFeatures.BLK_SIZE, BlkFeatures.RO, BlkFeatures.FLUSH, BlkFeatures.TOPOLOGY,
                BlkFeatures.MQ, BlkFeatures.DISCARD, BlkFeatures.WRITE_ZEROES)
                | (eventIdx ? VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX) : 0);
    }

    /** Shared memory the driver allocates from the transport for {@code queues} queues (rings not included). */
    public static long bufferBytes(int queues, BlkDriverOptions options) {
        long data = (options.maxRequestBytes() + PAGE - 1) / PAGE * PAGE;
        long perQueue = options.queueDepth() * CONTROL_BYTES + PAGE + options.queueDepth() * data + PAGE;
        return queues * perQueue;
    }

    /**
     * Reads the configuration and prepares every queue of {@code transport}.
     *
     * @throws BlkIoException if the device exposes no configuration, or requests of
     *     {@code options.maxRequestBytes()} or the queue depth do not fit what the device accepts
     */
    public static BlkDriver open(QueueTransport transport, BlkDriverOptions options) throws BlkIoException {
        byte[] config = transport.config();
        // 5.2.4: capacity is the first field and the only one every device has.
        if (config.length < BlkConfig.SIZE_MAX) {
            throw new BlkIoException("the device exposes " + config.length
                    + " bytes of configuration, too few to read its capacity (vhost-user needs the CONFIG protocol feature)");
        }
        return new BlkDriver(transport, options, config);
    }

    boolean has(int bit) {
        return VirtioFeatures.has(features, bit);
    }

    QueueTransport transport() {
        return transport;
    }

    /** The options the queues were prepared with. */
    public BlkDriverOptions options() {
        return options;
    }

    /** The negotiated feature bits. */
    public long features() {
        return features;
    }

    /** Whether the device supports request type FLUSH, DISCARD, WRITE_ZEROES or GET_ID ({@link BlkRequestType}). */
    public boolean supports(int requestType) {
        return switch (requestType) {
            case BlkRequestType.IN, BlkRequestType.GET_ID -> true;
            case BlkRequestType.OUT -> !readOnly();
            case BlkRequestType.FLUSH -> has(BlkFeatures.FLUSH);
            case BlkRequestType.DISCARD -> has(BlkFeatures.DISCARD) && !readOnly();
            case BlkRequestType.WRITE_ZEROES -> has(BlkFeatures.WRITE_ZEROES) && !readOnly();
            default -> false;
        };
    }

    /** The device's size in 512-byte sectors (5.2.4 capacity). */
    public long capacitySectors() {
        return capacitySectors;
    }

    /** The device's size in bytes. */
    public long capacityBytes() {
        return capacitySectors << BlkRequestType.SECTOR_SHIFT;
    }

    /** The device's logical block size (BLK_SIZE, else 512). */
    public int blockSize() {
        return blockSize;
    }

    /** Whether the device is read-only (RO): OUT, DISCARD and WRITE_ZEROES are refused before they are sent. */
    public boolean readOnly() {
        return has(BlkFeatures.RO);
    }

    /** The largest data segment the device takes (SIZE_MAX), 0 if it sets no limit. */
    public int sizeMax() {
        return sizeMax;
    }

    /** The most data segments of one request (SEG_MAX), 0 if it sets no limit. */
    public int segMax() {
        return segMax;
    }

    long maxDiscardSectors() {
        return maxDiscardSectors;
    }

    long maxWriteZeroesSectors() {
        return maxWriteZeroesSectors;
    }

    /** Number of queues. */
    public int queueCount() {
        return queues.length;
    }

    /** Queue {@code index}, to be driven by one thread at a time. */
    public BlkDriverQueue queue(int index) {
        return queues[index];
    }
}
