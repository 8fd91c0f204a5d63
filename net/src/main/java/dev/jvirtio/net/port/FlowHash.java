package dev.jvirtio.net.port;

import dev.jvirtio.net.NetHeader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A hash of a frame's flow (IP addresses, protocol and TCP/UDP ports) that spreads frames over
 * receive queues while keeping each flow on one queue, so that its frames stay in order.
 */
final class FlowHash {

    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private FlowHash() {
    }

    /** The hash of a frame with its header, {@code length} bytes; 0 for frames that are not IP. */
    static int of(MemorySegment frame, int length) {
        int eth = NetHeader.SIZE;
        if (length < eth + NetHeader.ETHERNET_HEADER) {
            return 0;
        }
        int type = Short.toUnsignedInt(frame.get(BE_SHORT, eth + 12));
        int ip = eth + NetHeader.ETHERNET_HEADER;
        int hash;
        int protocol;
        int l4;
        if (type == 0x0800 && length >= ip + 20) {
            int ihl = (Byte.toUnsignedInt(frame.get(ValueLayout.JAVA_BYTE, ip)) & 0xf) * 4;
            protocol = Byte.toUnsignedInt(frame.get(ValueLayout.JAVA_BYTE, ip + 9));
            hash = frame.get(BE_INT, ip + 12) * 31 + frame.get(BE_INT, ip + 16);
            l4 = ip + Math.max(20, ihl);
        } else if (type == 0x86dd && length >= ip + 40) {
            protocol = Byte.toUnsignedInt(frame.get(ValueLayout.JAVA_BYTE, ip + 6));
            hash = 0;
            for (int i = 8; i < 40; i += 4) {
                hash = hash * 31 + frame.get(BE_INT, ip + i);
            }
            l4 = ip + 40;
        } else {
            return 0;
        }
        if ((protocol == 6 || protocol == 17) && length >= l4 + 4) {
            hash = hash * 31 + frame.get(BE_INT, l4);
        }
        hash ^= hash >>> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >>> 13;
        return hash & 0x7fffffff;
    }
}
