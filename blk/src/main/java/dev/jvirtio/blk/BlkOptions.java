package dev.jvirtio.blk;

/**
 * How a virtio-blk device presents itself and serves requests.
 *
 * @param name      short name for logs and thread names, e.g. "blk0"
 * @param queues    number of request queues (1..64)
 * @param queueSize largest queue size accepted (a power of 2, up to 32768)
 * @param serial    the GET_ID answer, at most 20 bytes used
 * @param ioWorkers threads that run reads, writes and flushes so that many requests are in flight
 *                  at once; 0 serves each request inline on its queue's thread
 */
public record BlkOptions(String name, int queues, int queueSize, String serial, int ioWorkers) {

    public static final int MAX_QUEUES = 64;
    public static final int MAX_IO_WORKERS = 256;
    /** QEMU's thread pool for aio=threads holds up to 64 workers. */
    public static final int DEFAULT_IO_WORKERS = 64;

    public BlkOptions {
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new IllegalArgumentException("queues=" + queues + " must be between 1 and " + MAX_QUEUES);
        }
        if (queueSize < 2 || queueSize > 32768 || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("queueSize=" + queueSize + " must be a power of 2 between 2 and 32768");
        }
        if (ioWorkers < 0 || ioWorkers > MAX_IO_WORKERS) {
            throw new IllegalArgumentException("ioWorkers=" + ioWorkers + " must be between 0 and " + MAX_IO_WORKERS);
        }
    }

    /** Inline service (no I/O workers). */
    public BlkOptions(String name, int queues, int queueSize, String serial) {
        this(name, queues, queueSize, serial, 0);
    }
}
