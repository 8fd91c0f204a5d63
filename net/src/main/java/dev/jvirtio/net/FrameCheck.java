package dev.jvirtio.net;

import static dev.jvirtio.net.NetHeader.*;

import dev.jvirtio.core.device.VirtioFeatures;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The rules a frame must pass on its way through the device, with the spec section each enforces.
 * Frames are untrusted bytes: from a driver (transmit) or from a port (receive). Every check reads
 * the copy in the device's own buffer, never guest memory, so the driver cannot change a field
 * after it was checked.
 */
public final class FrameCheck {

    private FrameCheck() {
    }

    /**
     * Checks a frame the driver transmitted ({@code virtio_net_hdr_v1} then Ethernet,
     * {@code length} bytes in all) against the features it negotiated.
     *
     * @param mtu the MTU the device offered: frames without GSO carry at most this much payload
     * @return null if the frame may be sent, else why it must be dropped
     */
    public static DropReason fromDriver(MemorySegment frame, int length, long features, int mtu) {
        if (length < SIZE + ETHERNET_HEADER) {
            return DropReason.SHORT_FRAME;
        }
        int ethernet = length - SIZE;
        int flags = u8(frame, FLAGS);
        int gso = u8(frame, GSO_TYPE);
        // 5.1.6.2.1: the driver MUST NOT set DATA_VALID or RSC_INFO; no other flag exists.
        if ((flags & ~F_NEEDS_CSUM) != 0) {
            return DropReason.BAD_HEADER;
        }
        if ((flags & F_NEEDS_CSUM) != 0) {
            // 5.1.6.2.1: without VIRTIO_NET_F_CSUM the driver MUST set flags to zero.
            if (!VirtioFeatures.has(features, NetFeatures.CSUM)) {
                return DropReason.CSUM_NOT_NEGOTIATED;
            }
            // 5.1.6.2: the checksum field lies at csum_start + csum_offset, inside the frame.
            long end = (long) le16(frame, CSUM_START) + le16(frame, CSUM_OFFSET) + 2;
            if (end > ethernet) {
                return DropReason.BAD_HEADER;
            }
        }
        int type = gso & ~GSO_ECN;
        if (type == GSO_NONE) {
            if ((gso & GSO_ECN) != 0) {
                return DropReason.BAD_HEADER;
            }
            // 5.1.6.2: without segmentation offload a frame fits the MTU.
            if (ethernet > mtu + ETHERNET_HEADER + VLAN_TAG) {
                return DropReason.OVERSIZED;
            }
            return null;
        }
        int needed = switch (type) {
            case GSO_TCPV4 -> NetFeatures.HOST_TSO4;
            case GSO_TCPV6 -> NetFeatures.HOST_TSO6;
            case GSO_UDP -> NetFeatures.HOST_UFO;
            case GSO_UDP_L4 -> NetFeatures.HOST_USO;
            default -> -1;
        };
        if (needed < 0) {
            return DropReason.BAD_HEADER;
        }
        // 5.1.6.2.1: the driver MUST NOT send a GSO type (or ECN) it did not negotiate.
        if (!VirtioFeatures.has(features, needed)
                || ((gso & GSO_ECN) != 0 && !VirtioFeatures.has(features, NetFeatures.HOST_ECN))) {
            return DropReason.GSO_NOT_NEGOTIATED;
        }
        // 5.1.6.2.1: a GSO frame needs NEEDS_CSUM and a non-zero gso_size.
        if ((flags & F_NEEDS_CSUM) == 0 || le16(frame, GSO_SIZE) == 0 || le16(frame, HDR_LEN) > ethernet) {
            return DropReason.BAD_HEADER;
        }
        if (ethernet > MAX_FRAME) {
            return DropReason.OVERSIZED;
        }
        return null;
    }

    /**
     * Adapts a frame from a port for a driver that negotiated {@code features} (5.1.6.3): a
     * partial checksum is completed in software if the driver lacks GUEST_CSUM, DATA_VALID is
     * cleared then, and segmentation offload frames the driver cannot take are refused.
     *
     * @return null if the frame (possibly changed in place) may be delivered, else why not
     */
    public static DropReason forDriver(MemorySegment frame, int length, long features) {
        if (length < SIZE + ETHERNET_HEADER) {
            return DropReason.SHORT_FRAME;
        }
        int ethernet = length - SIZE;
        if (ethernet > MAX_FRAME) {
            return DropReason.OVERSIZED;
        }
        int flags = u8(frame, FLAGS);
        int gso = u8(frame, GSO_TYPE);
        int type = gso & ~GSO_ECN;
        if (type != GSO_NONE) {
            int needed = switch (type) {
                case GSO_TCPV4 -> NetFeatures.GUEST_TSO4;
                case GSO_TCPV6 -> NetFeatures.GUEST_TSO6;
                case GSO_UDP -> NetFeatures.GUEST_UFO;
                case GSO_UDP_L4 -> NetFeatures.GUEST_USO4;
                default -> -1;
            };
            if (needed < 0) {
                return DropReason.BAD_HEADER;
            }
            // 5.1.6.3.1: the device MUST NOT use a GSO type the driver did not negotiate.
            if (!VirtioFeatures.has(features, needed)
                    || ((gso & GSO_ECN) != 0 && !VirtioFeatures.has(features, NetFeatures.GUEST_ECN))) {
                return DropReason.GSO_NOT_ACCEPTED;
            }
        } else if ((gso & GSO_ECN) != 0) {
            return DropReason.BAD_HEADER;
        }
        boolean guestCsum = VirtioFeatures.has(features, NetFeatures.GUEST_CSUM);
        if ((flags & F_NEEDS_CSUM) != 0) {
            int start = le16(frame, CSUM_START);
            int offset = le16(frame, CSUM_OFFSET);
            if ((long) start + offset + 2 > ethernet) {
                return DropReason.BAD_HEADER;
            }
            if (!guestCsum) {
                // 5.1.6.3.1: without GUEST_CSUM the device MUST NOT set NEEDS_CSUM: finish it here.
                if (type != GSO_NONE) {
                    return DropReason.GSO_NOT_ACCEPTED;
                }
                Checksum.complete(frame.asSlice(SIZE, ethernet), start, offset);
                flags &= ~F_NEEDS_CSUM;
            }
        }
        if (!guestCsum) {
            flags &= ~F_DATA_VALID;
        }
        // RSC_INFO is never offered; no other flag exists.
        frame.set(ValueLayout.JAVA_BYTE, FLAGS, (byte) (flags & (F_NEEDS_CSUM | F_DATA_VALID)));
        return null;
    }
}
