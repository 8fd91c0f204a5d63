package dev.jvirtio.net;

import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.net.port.PortLane;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Serves a transmit queue (VIRTIO 1.2, 5.1.6.2): copies each frame out of guest memory into the
 * device's own buffer, checks it there, and hands it to the port. Transmit chains have no writable
 * part, so every chain is answered with a used length of 0.
 */
final class TxProcessor implements RequestProcessor {

    private final NetDevice device;
    private final PortLane lane;
    private final NetQueueCounters counters;
    private final MemorySegment buffer;

    TxProcessor(NetDevice device, PortLane lane, NetQueueCounters counters) {
        this.device = device;
        this.lane = lane;
        this.counters = counters;
        this.buffer = Arena.ofAuto().allocate(NetHeader.MAX_FRAME_WITH_HEADER, 64);
    }

    @Override
    public long process(DescriptorChain chain) {
        long readable = chain.readableLength();
        int headerSize = device.headerSize();
        if (readable < headerSize + NetHeader.ETHERNET_HEADER) {
            counters.dropped(DropReason.SHORT_FRAME);
            return 0;
        }
        if (readable - headerSize > NetHeader.MAX_FRAME) {
            counters.dropped(DropReason.OVERSIZED);
            return 0;
        }
        int length = (int) (readable - headerSize + NetHeader.SIZE);
        if (headerSize == NetHeader.SIZE) {
            chain.readFrom(0, buffer.asSlice(0, length));
        } else {
            NetHeader.writePlain(buffer);
            chain.readFrom(0, buffer.asSlice(0, headerSize));
            chain.readFrom(headerSize, buffer.asSlice(NetHeader.SIZE, length - NetHeader.SIZE));
            NetHeader.putLe16(buffer, NetHeader.NUM_BUFFERS, 0);
        }
        DropReason reason = FrameCheck.fromDriver(buffer, length, device.negotiatedFeatures(), device.options().mtu());
        if (reason != null) {
            counters.dropped(reason);
            return 0;
        }
        if (!lane.send(buffer.asSlice(0, length))) {
            counters.dropped(DropReason.PORT_REJECTED);
            return 0;
        }
        counters.passed(length - NetHeader.SIZE, NetHeader.u8(buffer, NetHeader.GSO_TYPE) != NetHeader.GSO_NONE);
        return 0;
    }
}
