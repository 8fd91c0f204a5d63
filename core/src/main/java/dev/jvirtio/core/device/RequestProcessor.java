package dev.jvirtio.core.device;

import dev.jvirtio.core.virtqueue.DescriptorChain;

/**
 * Serves the requests of one virtqueue, on the queue's I/O thread. A request is answered either
 * at once (the used length is returned) or later, from any thread, through the
 * {@link CompletionSink} given to {@link #bind} ({@link #PENDING} is returned).
 */
@FunctionalInterface
public interface RequestProcessor {

    /** Returned by {@link #process} for a request that will complete through the sink. */
    long PENDING = -1;

    /**
     * Serves one request. A malformed request is answered with the device's error status, never
     * with an exception.
     *
     * @return the number of bytes written into the chain's writable part (the used length), or
     *         {@link #PENDING}
     */
    long process(DescriptorChain chain);

    /**
     * Called before each batch with the number of chains it holds: a processor may serve a lone
     * request inline and hand requests that come in numbers to other threads.
     */
    default void beginBatch(int size) {
    }

    /** Called once after each batch, before the used ring is published: flush batched work here. */
    default void endBatch() {
    }

    /**
     * Gives the processor the sink for requests it completes later. Called before the first
     * {@link #process} of a served queue, and again with a new sink when the queue is served anew.
     */
    default void bind(CompletionSink sink) {
    }
}
