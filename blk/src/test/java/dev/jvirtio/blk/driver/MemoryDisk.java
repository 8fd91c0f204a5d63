package dev.jvirtio.blk.driver;

import dev.jvirtio.blk.BlkRequestType;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A well-behaved virtio-blk device over a byte array (VIRTIO 1.2, 5.2.6), for driving the driver
 * in-process. It can complete a batch in reverse order, and it records every chain's descriptor count.
 */
final class MemoryDisk implements InProcessTransport.Behaviour {

    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final byte[] bytes;
    final List<Integer> descriptorCounts = new ArrayList<>();
    final List<Integer> types = new ArrayList<>();
    boolean reverse;
    String serial = "memory-disk";

    MemoryDisk(int size) {
        this.bytes = new byte[size];
    }

    @Override
    public boolean handle(DeviceQueue queue, List<DescriptorChain> chains, MemorySegment used) {
        List<DescriptorChain> order = new ArrayList<>(chains);
        if (reverse) {
            Collections.reverse(order);
        }
        for (DescriptorChain chain : order) {
            descriptorCounts.add(chain.descriptorCount());
            queue.pushUsed(chain, serve(chain));
        }
        queue.publishUsed();
        return !chains.isEmpty() && queue.needsNotification();
    }

    /** Serves one request; returns the bytes written into its writable part. */
    private long serve(DescriptorChain chain) {
        MemorySegment header = MemorySegment.ofArray(new byte[BlkRequestType.HEADER_SIZE]);
        chain.readFrom(0, header);
        int type = header.get(LE32, 0);
        long sector = header.get(LE64, 8);
        types.add(type);
        long offset = sector * BlkRequestType.SECTOR_SIZE;
        long data = chain.writableLength() - 1;
        switch (type) {
            case BlkRequestType.IN -> chain.writeTo(0, MemorySegment.ofArray(bytes).asSlice(offset, data));
            case BlkRequestType.OUT -> chain.readFrom(BlkRequestType.HEADER_SIZE,
                    MemorySegment.ofArray(bytes).asSlice(offset, chain.readableLength() - BlkRequestType.HEADER_SIZE));
            case BlkRequestType.GET_ID -> chain.writeTo(0, MemorySegment.ofArray(Arrays.copyOf(serial.getBytes(), (int) data)));
            case BlkRequestType.DISCARD, BlkRequestType.WRITE_ZEROES -> {
                MemorySegment segment = MemorySegment.ofArray(new byte[BlkRequestType.DISCARD_SEGMENT_SIZE]);
                chain.readFrom(BlkRequestType.HEADER_SIZE, segment);
                long first = segment.get(LE64, 0) * BlkRequestType.SECTOR_SIZE;
                long n = Integer.toUnsignedLong(segment.get(LE32, 8)) * BlkRequestType.SECTOR_SIZE;
                Arrays.fill(bytes, (int) first, (int) (first + n), (byte) 0);
            }
            default -> {
                // FLUSH: nothing is cached here
            }
        }
        chain.writeByte(data, BlkRequestType.S_OK);
        return type == BlkRequestType.IN || type == BlkRequestType.GET_ID ? data + 1 : 1;
    }
}
