package dev.jvirtio.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The Internet checksum (RFC 1071) as a device completes a partial one (VIRTIO 1.2, 5.1.6.2). */
public final class Checksum {

    private static final ValueLayout.OfShort BE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksum() {
    }

    /**
     * Completes the checksum of {@code packet[start..]}: the 16-bit field at {@code start + offset}
     * holds the pseudo-header sum the sender left there; it becomes the one's complement of the
     * one's complement sum of every byte from {@code start} to the end.
     *
     * @throws IndexOutOfBoundsException if the field lies outside the packet
     */
    public static void complete(MemorySegment packet, int start, int offset) {
        long field = (long) start + offset;
        if (field + 2 > packet.byteSize()) {
            throw new IndexOutOfBoundsException("checksum field at " + field + " outside " + packet.byteSize() + " bytes");
        }
        int sum = fold(sum(packet, start, packet.byteSize()));
        packet.set(BE_SHORT, field, (short) ~sum);
    }

    /** The one's complement sum, not yet folded, of {@code packet[from, to)} as big-endian 16-bit words. */
    public static long sum(MemorySegment packet, long from, long to) {
        long sum = 0;
        long i = from;
        for (; i + 1 < to; i += 2) {
            sum += Short.toUnsignedInt(packet.get(BE_SHORT, i));
        }
        if (i < to) {
            sum += Byte.toUnsignedInt(packet.get(ValueLayout.JAVA_BYTE, i)) << 8;
        }
        return sum;
    }

    /** Folds a sum to 16 bits with end-around carry. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }
}
