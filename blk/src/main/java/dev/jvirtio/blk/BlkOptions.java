package dev.jvirtio.blk;

/**
 * How a virtio-blk device presents itself.
 *
 * @param name      short name for logs and thread names, e.g. "blk0"
 * @param queues    number of request queues (1..64)
 * @param queueSize largest queue size accepted (a power of 2, up to 32768)
 * @param serial    the GET_ID answer, at most 20 bytes used
 */
public record BlkOptions(String name, int queues, int queueSize, String serial) {

    public static final int MAX_QUEUES = 64;

    public BlkOptions {
        if (queues < 1 || queues > MAX_QUEUES) {
            throw new IllegalArgumentException("queues=" + queues + " must be between 1 and " + MAX_QUEUES);
        }
        if (queueSize < 2 || queueSize > 32768 || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("queueSize=" + queueSize + " must be a power of 2 between 2 and 32768");
        }
    }

    /** One queue of 256 entries named "blk0". */
    public static BlkOptions defaults() {
        return new BlkOptions("blk0", 1, 256, "jvirtio");
    }

    public BlkOptions withQueues(int n) {
        return new BlkOptions(name, n, queueSize, serial);
    }
}
