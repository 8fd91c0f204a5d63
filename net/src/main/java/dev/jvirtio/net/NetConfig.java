package dev.jvirtio.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The virtio-net configuration space (VIRTIO 1.2, 5.1.4), little-endian as VERSION_1 devices lay it
 * out.
 *
 * <pre>
 *   0  u8[6] mac
 *   6  le16  status               VIRTIO_NET_S_LINK_UP 1
 *   8  le16  max_virtqueue_pairs
 *  10  le16  mtu
 * </pre>
 */
public final class NetConfig {

    private NetConfig() {
    }

    public static final int MAC = 0;
    public static final int STATUS = 6;
    public static final int MAX_VIRTQUEUE_PAIRS = 8;
    public static final int MTU = 10;
    /** Bytes of the fields this device has. */
    public static final int SIZE = 12;

    /** The link is up. */
    public static final int STATUS_LINK_UP = 1;

    /** The configuration space bytes. */
    public static byte[] encode(MacAddress mac, int status, int maxPairs, int mtu) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(mac.octets());
        b.putShort((short) status);
        b.putShort((short) maxPairs);
        b.putShort((short) mtu);
        return b.array();
    }
}
