package dev.jvirtio.vhost.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The "device config space" payload of GET_CONFIG and SET_CONFIG: u32 offset, u32 size, u32 flags,
 * then {@code size} bytes. A GET_CONFIG reply must be exactly 12 + size bytes or QEMU rejects it.
 */
public record ConfigPayload(int offset, int size, int flags, byte[] data) {

    public static final int HEADER = 12;
    /** VHOST_USER_MAX_CONFIG_SIZE. */
    public static final int MAX_SIZE = 256;
    /** flags: the write is part of a live migration. */
    public static final int F_MIGRATION = 1;

    public static ConfigPayload decode(Message m) throws VhostUserException {
        m.expectAtLeast(HEADER);
        ByteBuffer b = m.payloadBuffer();
        int offset = b.getInt(0);
        int size = b.getInt(4);
        int flags = b.getInt(8);
        if (offset < 0 || size < 0 || size > MAX_SIZE || offset > MAX_SIZE - size) {
            throw new VhostUserException(m.name() + ": config offset=" + Integer.toUnsignedString(offset) + " size="
                    + Integer.toUnsignedString(size) + " outside 0.." + MAX_SIZE);
        }
        if (m.payload().length != HEADER + size) {
            throw new VhostUserException(m.name() + ": payload size=" + m.payload().length + ", expected " + (HEADER + size));
        }
        byte[] data = new byte[size];
        b.get(HEADER, data);
        return new ConfigPayload(offset, size, flags, data);
    }

    public byte[] encode() {
        return ByteBuffer.allocate(HEADER + data.length).order(ByteOrder.nativeOrder())
                .putInt(offset).putInt(data.length).putInt(flags).put(data).array();
    }
}
