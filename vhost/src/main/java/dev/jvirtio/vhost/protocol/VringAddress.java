package dev.jvirtio.vhost.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The "vring address description" payload of SET_VRING_ADDR: the rings' addresses in the
 * front-end's own virtual address space (not guest-physical).
 */
public record VringAddress(int index, int flags, long descUserAddress, long usedUserAddress,
                           long availUserAddress, long logGuestAddress) {

    public static final int SIZE = 40;
    /** flags bit 0: log used ring writes (only with VHOST_F_LOG_ALL, which is not offered). */
    public static final int F_LOG = 1;

    public static VringAddress decode(Message m) throws VhostUserException {
        m.expectSize(SIZE);
        ByteBuffer b = m.payloadBuffer();
        return new VringAddress(b.getInt(0), b.getInt(4), b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32));
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder()).putInt(index).putInt(flags)
                .putLong(descUserAddress).putLong(usedUserAddress).putLong(availUserAddress).putLong(logGuestAddress)
                .array();
    }
}
