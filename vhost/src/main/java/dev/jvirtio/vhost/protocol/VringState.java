package dev.jvirtio.vhost.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The "vring state description" payload: a queue index and a number (the size for SET_VRING_NUM,
 * the ring position for SET/GET_VRING_BASE, 0 or 1 for SET_VRING_ENABLE).
 */
public record VringState(int index, long num) {

    public static final int SIZE = 8;

    public static VringState decode(Message m) throws VhostUserException {
        m.expectSize(SIZE);
        ByteBuffer b = m.payloadBuffer();
        return new VringState(b.getInt(0), Integer.toUnsignedLong(b.getInt(4)));
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder()).putInt(index).putInt((int) num).array();
    }
}
