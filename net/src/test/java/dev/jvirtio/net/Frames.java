package dev.jvirtio.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Test frames: a {@code virtio_net_hdr_v1} and an Ethernet/IPv4/UDP or TCP frame behind it. */
final class Frames {

    static final MacAddress A = MacAddress.parse("52:54:00:00:00:0a");
    static final MacAddress B = MacAddress.parse("52:54:00:00:00:0b");

    private Frames() {
    }

    /** A header with the given fields, num_buffers 0. */
    static byte[] header(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        ByteBuffer b = ByteBuffer.allocate(NetHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) flags).put((byte) gsoType).putShort((short) hdrLen).putShort((short) gsoSize)
                .putShort((short) csumStart).putShort((short) csumOffset).putShort((short) 0);
        return b.array();
    }

    /**
     * An IPv4 frame from {@code src} to {@code dst} with a transport header of protocol
     * {@code protocol} (6 TCP, 17 UDP) and {@code payload} random bytes.
     */
    static byte[] ipv4(MacAddress dst, MacAddress src, int protocol, int payload, long seed) {
        int transport = protocol == 6 ? 20 : 8;
        int ipLength = 20 + transport + payload;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLength).order(ByteOrder.BIG_ENDIAN);
        b.put(dst.octets()).put(src.octets()).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) protocol).putShort((short) 0)
                .put(new byte[] {(byte) 198, 51, 100, 1}).put(new byte[] {(byte) 198, 51, 100, 2});
        b.putShort((short) 40000).putShort((short) 5000);
        if (protocol == 6) {
            b.putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x18).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        } else {
            b.putShort((short) (8 + payload)).putShort((short) 0);
        }
        byte[] data = new byte[payload];
        new Random(seed).nextBytes(data);
        b.put(data);
        return b.array();
    }

    /** Header then frame. */
    static byte[] join(byte[] header, byte[] frame) {
        byte[] out = new byte[header.length + frame.length];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(frame, 0, out, header.length, frame.length);
        return out;
    }

    /** The offset of the transport header in a frame from {@link #ipv4}. */
    static final int TRANSPORT = 14 + 20;
}
