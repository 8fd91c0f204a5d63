package dev.jvirtio.core.device;

import dev.jvirtio.core.virtqueue.DescriptorChain;

/** Takes requests that a {@link RequestProcessor} completes after {@code process} returned. */
@FunctionalInterface
public interface CompletionSink {

    /**
     * Completes {@code chain} with {@code usedLength} bytes written. Thread-safe; the chain must not
     * be touched by the caller afterwards.
     */
    void complete(DescriptorChain chain, long usedLength);
}
