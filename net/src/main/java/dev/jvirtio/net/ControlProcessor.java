package dev.jvirtio.net;

import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Serves the control queue (VIRTIO 1.2, 5.1.6.5): each chain holds {@code u8 class, u8 command},
 * the command's data, and one writable byte for the ack. Receive-mode commands (CTRL_RX) are
 * recorded and acknowledged, VQ_PAIRS_SET (CTRL_MQ) is checked and recorded; anything else, or a
 * malformed command, is answered with VIRTIO_NET_ERR.
 */
final class ControlProcessor implements RequestProcessor {

    static final int CLASS_RX = 0;
    static final int RX_PROMISC = 0;
    static final int RX_ALLMULTI = 1;
    static final int CLASS_MAC = 1;
    static final int MAC_TABLE_SET = 0;
    static final int CLASS_MQ = 4;
    static final int MQ_VQ_PAIRS_SET = 0;
    static final byte OK = 0;
    static final byte ERR = 1;
    private static final int MAX_COMMAND = 4096;

    private final NetDevice device;
    private final NetQueueCounters counters;
    private final MemorySegment command = Arena.ofAuto().allocate(MAX_COMMAND);

    ControlProcessor(NetDevice device, NetQueueCounters counters) {
        this.device = device;
        this.counters = counters;
    }

    @Override
    public long process(DescriptorChain chain) {
        // 5.1.6.5: the ack is the last, device-writable byte.
        if (chain.writableLength() < 1) {
            counters.dropped(DropReason.BAD_HEADER);
            return 0;
        }
        byte ack = answer(chain);
        chain.writeByte(0, ack);
        if (ack == OK) {
            counters.passed(chain.readableLength(), false);
        } else {
            counters.dropped(DropReason.BAD_HEADER);
        }
        return 1;
    }

    private byte answer(DescriptorChain chain) {
        long length = chain.readableLength();
        if (length < 2 || length > MAX_COMMAND) {
            return ERR;
        }
        chain.readFrom(0, command.asSlice(0, length));
        int klass = Byte.toUnsignedInt(command.get(ValueLayout.JAVA_BYTE, 0));
        int cmd = Byte.toUnsignedInt(command.get(ValueLayout.JAVA_BYTE, 1));
        long features = device.negotiatedFeatures();
        switch (klass) {
            case CLASS_RX -> {
                // 5.1.6.5.1: PROMISC and ALLMULTI need VIRTIO_NET_F_CTRL_RX and carry one byte.
                if (!VirtioFeatures.has(features, NetFeatures.CTRL_RX) || length != 3
                        || (cmd != RX_PROMISC && cmd != RX_ALLMULTI)) {
                    return ERR;
                }
                boolean on = command.get(ValueLayout.JAVA_BYTE, 2) != 0;
                if (cmd == RX_PROMISC) {
                    device.promiscuous = on;
                } else {
                    device.allMulticast = on;
                }
                return OK;
            }
            case CLASS_MAC -> {
                // 5.1.6.5.2: MAC_TABLE_SET carries two tables, each a le32 count then 6-byte entries.
                if (!VirtioFeatures.has(features, NetFeatures.CTRL_RX) || cmd != MAC_TABLE_SET) {
                    return ERR;
                }
                long at = 2;
                for (int table = 0; table < 2; table++) {
                    if (at + 4 > length) {
                        return ERR;
                    }
                    long entries = Integer.toUnsignedLong(command.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at));
                    at += 4 + entries * 6;
                }
                return at == length ? OK : ERR;
            }
            case CLASS_MQ -> {
                // 5.1.6.5.5: 1 <= virtqueue_pairs <= max_virtqueue_pairs, with VIRTIO_NET_F_MQ.
                if (!VirtioFeatures.has(features, NetFeatures.MQ) || cmd != MQ_VQ_PAIRS_SET || length != 4) {
                    return ERR;
                }
                int pairs = NetHeader.le16(command, 2);
                if (pairs < 1 || pairs > device.options().pairs()) {
                    return ERR;
                }
                device.activePairs = pairs;
                return OK;
            }
            default -> {
                return ERR;
            }
        }
    }
}
