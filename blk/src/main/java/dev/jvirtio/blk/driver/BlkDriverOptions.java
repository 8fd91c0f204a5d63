package dev.jvirtio.blk.driver;

import java.time.Duration;

/**
 * How a {@link BlkDriver} drives its queues.
 *
 * @param queueDepth      request slots per queue: the most requests in flight on one queue
 * @param maxRequestBytes the largest data transfer of one request, a multiple of 512
 * @param polling         wait for completions by polling the used ring instead of sleeping on the call eventfd
 * @param preferIndirect  put each request in an indirect table when the device offers INDIRECT_DESC
 *                        (used anyway when direct chains would not fit the queue)
 * @param timeout         how long a wait for a completion may last before the device is declared stuck
 */
public record BlkDriverOptions(int queueDepth, int maxRequestBytes, boolean polling, boolean preferIndirect,
                               Duration timeout) {

    public BlkDriverOptions {
        if (queueDepth < 1 || queueDepth > 32768) {
            throw new IllegalArgumentException("queue depth " + queueDepth + " must be between 1 and 32768");
        }
        if (maxRequestBytes < 512 || maxRequestBytes % 512 != 0) {
            throw new IllegalArgumentException("request size " + maxRequestBytes + " must be a positive multiple of 512");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout " + timeout + " must be positive");
        }
    }

    /** Depth 32, requests up to 128 KiB, completions by eventfd, direct chains, 30 s timeout. */
    public static BlkDriverOptions defaults() {
        return new BlkDriverOptions(32, 128 * 1024, false, false, Duration.ofSeconds(30));
    }

    public BlkDriverOptions withQueueDepth(int depth) {
        return new BlkDriverOptions(depth, maxRequestBytes, polling, preferIndirect, timeout);
    }

    public BlkDriverOptions withMaxRequestBytes(int bytes) {
        return new BlkDriverOptions(queueDepth, bytes, polling, preferIndirect, timeout);
    }

    public BlkDriverOptions withPolling(boolean poll) {
        return new BlkDriverOptions(queueDepth, maxRequestBytes, poll, preferIndirect, timeout);
    }

    public BlkDriverOptions withTimeout(Duration t) {
        return new BlkDriverOptions(queueDepth, maxRequestBytes, polling, preferIndirect, t);
    }
}
