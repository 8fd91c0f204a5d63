package dev.jvirtio.core.driver;

import dev.jvirtio.core.virtqueue.DriverQueue;
import java.io.IOException;

/**
 * What a virtio driver needs from the transport that carries its device (vhost-user, or any
 * other): the negotiated features, the config space, the driver side of each queue, notifications
 * both ways, and memory the device can reach.
 *
 * <p>Thread-safety: each queue index is driven by one thread at a time; different indexes may be
 * driven concurrently.
 */
public interface QueueTransport {

    /** The negotiated virtio feature bits. */
    long features();

    /** The device's config space as read when the transport started (may be shorter than the device's layout). */
    byte[] config();

    /** Number of queues set up. */
    int queueCount();

    /** The driver side of queue {@code index}. */
    DriverQueue queue(int index);

    /** Sends an available buffer notification for queue {@code index}. */
    void kick(int index) throws IOException;

    /**
     * Waits for a used buffer notification of queue {@code index}, at most {@code timeoutNanos}.
     *
     * @return true if a notification came (and was consumed), false on timeout
     */
    boolean awaitCall(int index, long timeoutNanos) throws IOException;

    /**
     * Takes {@code bytes} zero-filled bytes of memory the device can read and write, aligned to
     * {@code alignment} (a power of 2, at most 4096).
     *
     * @throws IllegalStateException if the transport's memory is exhausted
     */
    SharedBuffer allocate(long bytes, long alignment);
}
