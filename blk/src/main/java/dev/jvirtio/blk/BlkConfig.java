package dev.jvirtio.blk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The virtio-blk configuration space, {@code struct virtio_blk_config} (VIRTIO 1.2, 5.2.4), laid
 * out by name. All fields little-endian.
 */
public final class BlkConfig {

    public static final int CAPACITY = 0;
    public static final int SIZE_MAX = 8;
    public static final int SEG_MAX = 12;
    public static final int GEOMETRY = 16;
    public static final int BLK_SIZE = 20;
    public static final int PHYSICAL_BLOCK_EXP = 24;
    public static final int ALIGNMENT_OFFSET = 25;
    public static final int MIN_IO_SIZE = 26;
    public static final int OPT_IO_SIZE = 28;
    public static final int WRITEBACK = 32;
    public static final int NUM_QUEUES = 34;
    public static final int MAX_DISCARD_SECTORS = 36;
    public static final int MAX_DISCARD_SEG = 40;
    public static final int DISCARD_SECTOR_ALIGNMENT = 44;
    public static final int MAX_WRITE_ZEROES_SECTORS = 48;
    public static final int MAX_WRITE_ZEROES_SEG = 52;
    public static final int WRITE_ZEROES_MAY_UNMAP = 56;
    public static final int SIZE = 60;

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private BlkConfig() {
    }

    /** The values the device publishes. */
    public record Values(long capacitySectors, int sizeMax, int segMax, int blkSize, int physicalBlockExp,
                         int minIoSize, int optIoSize, boolean writeback, int numQueues, int maxDiscardSectors,
                         int maxDiscardSeg, int discardSectorAlignment, int maxWriteZeroesSectors,
                         int maxWriteZeroesSeg, boolean writeZeroesMayUnmap) {
    }

    /** Encodes {@code v} into a new {@link #SIZE}-byte array. */
    public static byte[] encode(Values v) {
        byte[] bytes = new byte[SIZE];
        MemorySegment s = MemorySegment.ofArray(bytes);
        s.set(LE64, CAPACITY, v.capacitySectors());
        s.set(LE32, SIZE_MAX, v.sizeMax());
        s.set(LE32, SEG_MAX, v.segMax());
        s.set(LE32, BLK_SIZE, v.blkSize());
        s.set(ValueLayout.JAVA_BYTE, PHYSICAL_BLOCK_EXP, (byte) v.physicalBlockExp());
        s.set(ValueLayout.JAVA_BYTE, ALIGNMENT_OFFSET, (byte) 0);
        s.set(LE16, MIN_IO_SIZE, (short) v.minIoSize());
        s.set(LE32, OPT_IO_SIZE, v.optIoSize());
        s.set(ValueLayout.JAVA_BYTE, WRITEBACK, (byte) (v.writeback() ? 1 : 0));
        s.set(LE16, NUM_QUEUES, (short) v.numQueues());
        s.set(LE32, MAX_DISCARD_SECTORS, v.maxDiscardSectors());
        s.set(LE32, MAX_DISCARD_SEG, v.maxDiscardSeg());
        s.set(LE32, DISCARD_SECTOR_ALIGNMENT, v.discardSectorAlignment());
        s.set(LE32, MAX_WRITE_ZEROES_SECTORS, v.maxWriteZeroesSectors());
        s.set(LE32, MAX_WRITE_ZEROES_SEG, v.maxWriteZeroesSeg());
        s.set(ValueLayout.JAVA_BYTE, WRITE_ZEROES_MAY_UNMAP, (byte) (v.writeZeroesMayUnmap() ? 1 : 0));
        return bytes;
    }

    /** Reads a little-endian u64 field of an encoded config. */
    public static long u64(byte[] config, int offset) {
        return MemorySegment.ofArray(config).get(LE64, offset);
    }

    /** Reads a little-endian u32 field of an encoded config. */
    public static int u32(byte[] config, int offset) {
        return MemorySegment.ofArray(config).get(LE32, offset);
    }

    /** Reads a little-endian u16 field of an encoded config. */
    public static int u16(byte[] config, int offset) {
        return Short.toUnsignedInt(MemorySegment.ofArray(config).get(LE16, offset));
    }
}
