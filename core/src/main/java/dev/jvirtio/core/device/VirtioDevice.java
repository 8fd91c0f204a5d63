package dev.jvirtio.core.device;

import java.lang.foreign.MemorySegment;

/**
 * A virtio device, independent of the transport that carries it (vhost-user, or an in-process
 * driver). The transport negotiates features, sets up queues and calls {@link #processor(int)} to
 * serve them.
 *
 * <p>Lifecycle: {@link #activate(long)} once features are negotiated and before any queue is
 * served; {@link #reset()} returns the device to its initial state. Config access and queue
 * processing may happen on different threads: implementations document their own thread-safety.
 */
public interface VirtioDevice {

    /** The VIRTIO device ID (5 "Device Types": 1 network, 2 block). */
    int deviceId();

    /** A short name for logs and thread names, e.g. "blk0". */
    String name();

    /** The feature bits the device offers, VERSION_1 included. */
    long offeredFeatures();

    /** The number of virtqueues the device can serve. */
    int maxQueues();

    /** The largest queue size the device accepts. */
    int maxQueueSize();

    /** Size of the device-specific configuration space in bytes. */
    int configSize();

    /**
     * Copies configuration space bytes starting at {@code offset} into {@code dst}; bytes past the
     * end of the configuration space read as zero.
     */
    void readConfig(int offset, MemorySegment dst);

    /** Writes configuration space bytes; fields the driver may not write are ignored. */
    void writeConfig(int offset, MemorySegment src);

    /** Takes the negotiated features; called before any queue is processed. */
    void activate(long negotiatedFeatures);

    /** The processor for queue {@code index}, {@code 0 <= index < maxQueues()}. */
    RequestProcessor processor(int index);

    /** Returns the device to its state before {@link #activate(long)}; in-flight work is finished first. */
    void reset();
}
