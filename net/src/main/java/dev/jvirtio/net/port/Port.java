package dev.jvirtio.net.port;

import java.util.List;

/**
 * Where a {@link dev.jvirtio.net.NetDevice}'s frames go and come from: a tap interface, a port of
 * an in-process switch. A port has one {@link PortLane} per queue pair it can feed; frames on both
 * sides are a 12-byte {@code virtio_net_hdr_v1} followed by the Ethernet frame
 * ({@link dev.jvirtio.net.NetHeader}).
 */
public interface Port extends AutoCloseable {

    /** The lanes, at least 1, in a list that does not change. */
    List<? extends PortLane> lanes();

    /** Lane {@code index}, {@code 0 <= index < lanes().size()}. */
    default PortLane lane(int index) {
        return lanes().get(index);
    }

    /**
     * The driver negotiated {@code guestFeatures}: frames handed to it may use the offloads these
     * allow (GUEST_CSUM, GUEST_TSO4...). A tap asks the kernel for them with TUNSETOFFLOAD; 0 resets.
     */
    void acceptOffloads(long guestFeatures);

    /** Releases the port's resources; its lanes must no longer be in use. */
    @Override
    void close();
}
