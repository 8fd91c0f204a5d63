package dev.jvirtio.core.device;

import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The batch loop that serves one queue (VIRTIO-RING: the back-end takes every request the ring
 * holds and answers them as a batch): notifications off, pop a batch, process it, publish
 * {@code used->idx} once, notify if the driver wants it, repeat until the ring is empty with
 * notifications back on.
 *
 * <p>Requests a processor completes later arrive through {@link #sink()} from any thread; the
 * sink queues them and calls the transport's wake-up, and the queue's thread pushes them in a batch
 * with {@link #complete}. One instance per queue; {@link #drain}, {@link #complete} and
 * {@link #quiesce} run on that queue's I/O thread only.
 */
public final class QueueDrain {

    /** Signals the driver (an interrupt, an eventfd write). */
    @FunctionalInterface
    public interface Notifier {
        void notifyDriver();
    }

    private record Completion(DescriptorChain chain, long usedLength) {
    }

    private final DescriptorChain[] batch;
    private final QueueStats stats;
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Runnable wakeup;
    private final CompletionSink sink;
    private volatile Thread quiescing;
    private int pending;
    private long pollNanos;

    /** A drain whose processors always answer at once. */
    public QueueDrain(int maxBatch, QueueStats stats) {
        this(maxBatch, stats, () -> { });
    }

    /**
     * @param wakeup called (from any thread) when completions wait for {@link #complete}: the
     *               transport wakes the queue's thread with it
     */
    public QueueDrain(int maxBatch, QueueStats stats, Runnable wakeup) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch=" + maxBatch);
        }
        this.batch = new DescriptorChain[maxBatch];
        this.stats = stats;
        this.wakeup = wakeup;
        this.sink = (chain, usedLength) -> {
            completions.add(new Completion(chain, usedLength));
            Thread waiter = quiescing;
            if (waiter != null) {
                LockSupport.unpark(waiter);
            } else if (wakeupPending.compareAndSet(false, true)) {
                this.wakeup.run();
            }
        };
    }

    public QueueStats stats() {
        return stats;
    }

    /**
     * After the ring runs dry, keep watching it for {@code nanos} with driver notifications off
     * before turning them back on (QEMU's adaptive polling, poll-max-ns): a driver that keeps the
     * queue busy then needs no kicks, and the back-end no wake-ups. 0 turns polling off.
     */
    public QueueDrain pollFor(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("poll time=" + nanos + " ns");
        }
        this.pollNanos = nanos;
        return this;
    }

    /** The sink to {@link RequestProcessor#bind bind} to this queue's processor. */
    public CompletionSink sink() {
        return sink;
    }

    /** Requests handed to the processor and not completed yet. */
    public int pending() {
        return pending;
    }

    /**
     * Serves {@code queue} until it is empty. Returns normally even if the queue breaks: check
     * {@link DeviceQueue#isBroken()}.
     *
     * @return the number of chains taken from the ring
     */
    public int drain(DeviceQueue queue, RequestProcessor processor, Notifier notifier) {
        stats.recordWakeup();
        int served = 0;
        do {
            queue.disableNotification();
            int n;
            while ((n = queue.pop(batch, batch.length)) > 0) {
                int answered = 0;
                processor.beginBatch(n);
                for (int i = 0; i < n; i++) {
                    DescriptorChain chain = batch[i];
                    batch[i] = null;
                    long used = processor.process(chain);
                    if (used == RequestProcessor.PENDING) {
                        pending++;
                    } else {
                        queue.pushUsed(chain, used);
                        answered++;
                    }
                }
                processor.endBatch();
                publish(queue, notifier, answered);
                served += n;
            }
        } while (pollForMore(queue) || queue.enableNotification());
        return served;
    }

    /** Spins for up to the poll time, with notifications still off, until the driver adds work. */
    private boolean pollForMore(DeviceQueue queue) {
        if (pollNanos == 0 || queue.isBroken()) {
            return false;
        }
        long deadline = System.nanoTime() + pollNanos;
        do {
            if (queue.pendingCount() > 0) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return false;
    }

    /**
     * Pushes every completion that arrived through the sink, publishes once and notifies if the
     * driver wants it.
     *
     * @return the number of requests completed
     */
    public int complete(DeviceQueue queue, Notifier notifier) {
        wakeupPending.set(false);
        int n = 0;
        Completion c;
        while ((c = completions.poll()) != null) {
            queue.pushUsed(c.chain(), c.usedLength());
            n++;
        }
        pending -= n;
        publish(queue, notifier, n);
        return n;
    }

    /**
     * Waits until every pending request has completed and pushes them: after it returns the queue
     * holds no request in progress (a ring stop needs this).
     */
    public void quiesce(DeviceQueue queue, Notifier notifier) {
        quiescing = Thread.currentThread();
        try {
            while (true) {
                complete(queue, notifier);
                if (pending == 0) {
                    return;
                }
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
            }
        } finally {
            quiescing = null;
        }
    }

    private void publish(DeviceQueue queue, Notifier notifier, int pushed) {
        if (pushed == 0) {
            return;
        }
        queue.publishUsed();
        boolean notify = queue.needsNotification();
        if (notify) {
            notifier.notifyDriver();
        }
        stats.recordBatch(pushed, notify);
    }
}
