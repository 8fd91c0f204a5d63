package dev.jvirtio.core.device;

import dev.jvirtio.core.virtqueue.DescriptorChain;

/** Serves the requests of one virtqueue, one chain at a time, on the queue's I/O thread. */
@FunctionalInterface
public interface RequestProcessor {

    /**
     * Serves one request. A malformed request is answered with the device's error status, never
     * with an exception.
     *
     * @return the number of bytes written into the chain's writable part (the used length)
     */
    long process(DescriptorChain chain);

    /** Called once after each batch, before the used ring is published: flush batched work here. */
    default void endBatch() {
    }
}
