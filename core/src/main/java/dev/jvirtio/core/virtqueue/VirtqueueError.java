package dev.jvirtio.core.virtqueue;

/** What a driver (or a device, seen from the driver) did against the split ring rules. */
public enum VirtqueueError {
    /** Ring addresses are misaligned, outside memory, or the size is not a power of 2 (2.7). */
    INVALID_RING,
    /** avail->idx is more than the queue size ahead of the device (2.7.6: at most Queue Size entries). */
    AVAIL_INDEX_TOO_FAR,
    /** A head index in the available ring is not below the queue size (2.7.6). */
    HEAD_OUT_OF_RANGE,
    /** A head that the device still holds was made available again (2.7.13.1). */
    HEAD_IN_FLIGHT,
    /** A next field is not below the size of its table (2.7.5). */
    NEXT_OUT_OF_RANGE,
    /** The chain has more descriptors than its table: a loop (2.7.5.2). */
    CHAIN_LOOP,
    /** The chain's buffers add up to more than 2^32 bytes (2.7.5.2). */
    CHAIN_TOO_LARGE,
    /** A device-readable descriptor follows a device-writable one (2.7.4.2). */
    READABLE_AFTER_WRITABLE,
    /** An indirect descriptor inside an indirect table (2.7.5.3.1). */
    NESTED_INDIRECT,
    /** INDIRECT and NEXT set on the same descriptor (2.7.5.3.1). */
    INDIRECT_WITH_NEXT,
    /** INDIRECT used though VIRTIO_F_INDIRECT_DESC was not negotiated (2.7.5.3.1). */
    INDIRECT_NOT_NEGOTIATED,
    /** An indirect table whose length is zero, not a multiple of 16, or more descriptors than the queue size (2.7.5.3.1). */
    INDIRECT_BAD_LENGTH,
    /** A buffer or indirect table outside guest memory or wrapping the address space. */
    BUFFER_OUTSIDE_MEMORY,
    /** A used element names a descriptor the driver did not make available (2.7.8.2), or len exceeds the writable space. */
    USED_ELEMENT_INVALID,
    /** used->idx is more than the queue size ahead of the driver (2.7.8). */
    USED_INDEX_TOO_FAR
}
