package dev.jvirtio.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The layout of {@code struct virtio_net_hdr_v1} (VIRTIO 1.2, 5.1.6), the header before every frame
 * on the receive and transmit queues, and the frame format jvirtio passes between a device and its
 * port: this 12-byte header, then the Ethernet frame.
 *
 * <pre>
 *   0  u8    flags        NEEDS_CSUM 1, DATA_VALID 2, RSC_INFO 4
 *   1  u8    gso_type     NONE 0, TCPV4 1, UDP 3, TCPV6 4, UDP_L4 5; ECN 0x80
 *   2  le16  hdr_len
 *   4  le16  gso_size
 *   6  le16  csum_start
 *   8  le16  csum_offset
 *  10  le16  num_buffers  (with MRG_RXBUF or VERSION_1)
 * </pre>
 */
public final class NetHeader {

    private NetHeader() {
    }

    /** Size of {@code virtio_net_hdr_v1}: the header with VERSION_1 or MRG_RXBUF. */
    public static final int SIZE = 12;
    /** Size of the legacy header without {@code num_buffers}. */
    public static final int LEGACY_SIZE = 10;

    public static final int FLAGS = 0;
    public static final int GSO_TYPE = 1;
    public static final int HDR_LEN = 2;
    public static final int GSO_SIZE = 4;
    public static final int CSUM_START = 6;
    public static final int CSUM_OFFSET = 8;
    public static final int NUM_BUFFERS = 10;

    /** The checksum from csum_start to the end is left to be completed. */
    public static final int F_NEEDS_CSUM = 1;
    /** The checksum has been validated. */
    public static final int F_DATA_VALID = 2;
    /** Receive segment coalescing information (not used here). */
    public static final int F_RSC_INFO = 4;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    /** The TSO frame has the ECN (CWR) bit set. */
    public static final int GSO_ECN = 0x80;

    /** Length of an Ethernet header (destination, source, EtherType). */
    public static final int ETHERNET_HEADER = 14;
    /** Bytes an 802.1Q VLAN tag adds. */
    public static final int VLAN_TAG = 4;
    /** The longest segmentation offload payload (IP packet) Linux builds: 64 KiB. */
    public static final int MAX_GSO_PACKET = 65536;
    /** The longest Ethernet frame a port carries, a VLAN-tagged 64 KiB GSO frame. */
    public static final int MAX_FRAME = MAX_GSO_PACKET + ETHERNET_HEADER + VLAN_TAG;
    /** A buffer that holds any frame with its header. */
    public static final int MAX_FRAME_WITH_HEADER = SIZE + MAX_FRAME;

    static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The unsigned byte at {@code offset}. */
    public static int u8(MemorySegment frame, long offset) {
        return Byte.toUnsignedInt(frame.get(ValueLayout.JAVA_BYTE, offset));
    }

    /** The little-endian u16 at {@code offset}. */
    public static int le16(MemorySegment frame, long offset) {
        return Short.toUnsignedInt(frame.get(LE_SHORT, offset));
    }

    /** Stores a little-endian u16 at {@code offset}. */
    public static void putLe16(MemorySegment frame, long offset, int value) {
        frame.set(LE_SHORT, offset, (short) value);
    }

    /** Writes a header that asks for no offload: flags 0, GSO_NONE, every field 0. */
    public static void writePlain(MemorySegment frame) {
        frame.asSlice(0, SIZE).fill((byte) 0);
    }
}
