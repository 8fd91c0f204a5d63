package dev.jvirtio.core.device;

/**
 * Implemented by a {@link VirtioDevice} some of whose queues are served by a {@link QueueHandler}
 * rather than by {@link VirtioDevice#processor(int)} on kicks alone. A transport that sees this
 * interface asks for a handler when it starts each queue.
 */
public interface QueueHandlers {

    /**
     * The handler of queue {@code index}, or null if the queue is served by
     * {@link VirtioDevice#processor(int)} through {@link QueueDrain}. Called each time the queue
     * starts; the same handler may be returned again after a stop.
     */
    QueueHandler handler(int index);
}
