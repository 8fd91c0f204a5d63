package dev.jvirtio.core.device;

import dev.jvirtio.core.virtqueue.DeviceQueue;

/**
 * A queue that the device serves itself instead of answering each chain on a kick: a virtio-net
 * receive queue fills the buffers the driver made available when frames arrive from outside, so it
 * is driven by two kinds of event, the driver's kicks (more buffers) and a file descriptor of its
 * own becoming readable (a frame arrived).
 *
 * <p>The transport calls every method on the queue's I/O thread, one at a time: {@link #attach}
 * when the queue starts, then {@link #kicked()} and {@link #eventReady()} in any order, then
 * {@link #detach()} when it stops. After {@code detach} returns the handler no longer touches the
 * queue; a later {@code attach} may bring a new one (a ring restart).
 *
 * <p>The event descriptor is watched edge-triggered: a handler that stops before it has consumed
 * everything the descriptor signals (because the ring has no buffers) must ask for the driver's
 * next kick ({@link DeviceQueue#enableNotification()}) and resume on it.
 */
public interface QueueHandler {

    /**
     * The file descriptor number whose readability calls {@link #eventReady()}, or -1 for none. It
     * must stay open while the queue is attached.
     */
    int eventDescriptor();

    /**
     * The queue starts: from now on the handler owns {@code queue} on this thread and signals the
     * driver with {@code notifier} after it publishes used buffers that the driver wants to hear
     * of ({@link DeviceQueue#needsNotification()}).
     */
    void attach(DeviceQueue queue, QueueDrain.Notifier notifier);

    /** The driver kicked: it made buffers available. */
    void kicked();

    /** The event descriptor became readable. */
    void eventReady();

    /** The queue stops; its chains popped and not yet used are lost to the driver. */
    void detach();
}
