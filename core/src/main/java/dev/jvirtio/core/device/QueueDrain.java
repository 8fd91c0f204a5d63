package dev.jvirtio.core.device;

import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;

/**
 * The batch loop that serves one queue after a kick (VIRTIO-RING: the back-end takes every
 * request the ring holds and answers them as a batch): notifications off, pop a batch, process it,
 * publish {@code used->idx} once, notify if the driver wants it, repeat until the ring is empty with
 * notifications back on.
 *
 * <p>One instance per queue, used by that queue's I/O thread only. Allocation-free after
 * construction.
 */
public final class QueueDrain {

    /** Signals the driver (an interrupt, an eventfd write). */
    @FunctionalInterface
    public interface Notifier {
        void notifyDriver();
    }

    private final DescriptorChain[] batch;
    private final QueueStats stats;

    public QueueDrain(int maxBatch, QueueStats stats) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch=" + maxBatch);
        }
        this.batch = new DescriptorChain[maxBatch];
        this.stats = stats;
    }

    public QueueStats stats() {
        return stats;
    }

    /**
     * Serves {@code queue} until it is empty. Returns normally even if the queue breaks: check
     * {@link DeviceQueue#isBroken()}.
     *
     * @return the number of chains served
     */
    public int drain(DeviceQueue queue, RequestProcessor processor, Notifier notifier) {
        stats.recordWakeup();
        int served = 0;
        do {
            queue.disableNotification();
            int n;
            while ((n = queue.pop(batch, batch.length)) > 0) {
                for (int i = 0; i < n; i++) {
                    DescriptorChain chain = batch[i];
                    queue.pushUsed(chain, processor.process(chain));
                    batch[i] = null;
                }
                processor.endBatch();
                queue.publishUsed();
                boolean notify = queue.needsNotification();
                if (notify) {
                    notifier.notifyDriver();
                }
                stats.recordBatch(n, notify);
                served += n;
            }
        } while (queue.enableNotification());
        return served;
    }
}
