package dev.jvirtio.net;

/** Why a frame was dropped; each queue counts its drops by reason. */
public enum DropReason {
    /** Shorter than the virtio-net header plus an Ethernet header. */
    SHORT_FRAME,
    /** Longer than the MTU allows (or than 64 KiB with segmentation offload). */
    OVERSIZED,
    /** A header field that contradicts the frame: unknown flags or GSO type, offsets past the end. */
    BAD_HEADER,
    /** A checksum offload request that the feature negotiation did not allow. */
    CSUM_NOT_NEGOTIATED,
    /** A segmentation offload type that the sender's negotiated features do not allow. */
    GSO_NOT_NEGOTIATED,
    /** A segmentation offload frame for a driver that did not negotiate receiving it. */
    GSO_NOT_ACCEPTED,
    /** The driver's receive buffers cannot hold the frame. */
    RX_BUFFER_TOO_SMALL,
    /** The port refused the frame: its queue is full, or the tap write failed. */
    PORT_REJECTED,
    /** Nobody on the port receives: no receive queue of the destination is running. */
    NO_RECEIVER
}
