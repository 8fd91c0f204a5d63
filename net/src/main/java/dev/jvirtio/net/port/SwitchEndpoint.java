package dev.jvirtio.net.port;

import java.lang.foreign.MemorySegment;

/** Something a {@link Switch} forwards frames to: a port of a device, or the tap uplink. */
interface SwitchEndpoint {

    /**
     * Takes a copy of a frame ({@code virtio_net_hdr_v1} then Ethernet).
     *
     * @param frame valid only during the call
     * @param copy  the frame's bytes on the heap, made at most once per forward and shared
     * @return the drop counted, or null if the frame was taken
     */
    Switch.Drop deliver(MemorySegment frame, Switch.FrameCopy copy);

    /** A name for logs. */
    String name();
}
