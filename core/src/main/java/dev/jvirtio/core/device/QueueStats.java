package dev.jvirtio.core.device;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of one served queue. Written by the queue's I/O thread once per batch, readable from
 * any thread.
 */
public final class QueueStats {

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong maxBatch = new AtomicLong();
    private final AtomicLong notificationsSent = new AtomicLong();
    private final AtomicLong notificationsSuppressed = new AtomicLong();
    private final AtomicLong wakeups = new AtomicLong();

    void recordBatch(int size, boolean notified) {
        requests.lazySet(requests.get() + size);
        batches.lazySet(batches.get() + 1);
        if (size > maxBatch.get()) {
            maxBatch.lazySet(size);
        }
        if (notified) {
            notificationsSent.lazySet(notificationsSent.get() + 1);
        } else {
            notificationsSuppressed.lazySet(notificationsSuppressed.get() + 1);
        }
    }

    void recordWakeup() {
        wakeups.lazySet(wakeups.get() + 1);
    }

    public long requests() {
        return requests.get();
    }

    public long batches() {
        return batches.get();
    }

    /** Mean chains per batch, 0 before the first batch. */
    public double meanBatch() {
        long b = batches.get();
        return b == 0 ? 0 : (double) requests.get() / b;
    }

    public long maxBatch() {
        return maxBatch.get();
    }

    public long notificationsSent() {
        return notificationsSent.get();
    }

    public long notificationsSuppressed() {
        return notificationsSuppressed.get();
    }

    /** Times the queue was drained (kicks or polls that found work or not). */
    public long wakeups() {
        return wakeups.get();
    }

    @Override
    public String toString() {
        return "requests=" + requests() + " batches=" + batches() + " meanBatch=" + String.format("%.1f", meanBatch())
                + " maxBatch=" + maxBatch() + " notified=" + notificationsSent() + " suppressed=" + notificationsSuppressed();
    }
}
