package dev.jvirtio.tune.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Builds small disks byte by byte, following the layouts in qcow2.txt and UEFI 2.10 section 5, so
 * hostile-input tests can corrupt one field at a time.
 */
final class SyntheticDisks {

    /** The synthetic qcow2: 512-byte clusters, 1 MiB virtual size, L1 at 512, L2 at 1024, data at 1536. */
    static final int CLUSTER = 512;
    static final long VIRTUAL_SIZE = 1 << 20;
    static final int L1_OFFSET = 512;
    static final int L1_ENTRIES = 32;
    static final int L2_OFFSET = 1024;
    static final int DATA_OFFSET = 1536;

    private SyntheticDisks() {
    }

    /** An MBR sector with one partition of {@code type} at {@code start}. */
    static byte[] mbr(int type, long start, long sectors) {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.put(446 + 4, (byte) type);
        b.putInt(446 + 8, (int) start);
        b.putInt(446 + 12, (int) sectors);
        b.put(510, (byte) 0x55);
        b.put(511, (byte) 0xaa);
        return b.array();
    }

    /** A version 2 qcow2 whose guest sector 0 holds {@code sector0}. */
    static byte[] qcow2(byte[] sector0) {
        ByteBuffer f = ByteBuffer.allocate(DATA_OFFSET + CLUSTER);
        f.putInt(0, 0x514649fb);
        f.putInt(4, 2);
        f.putInt(20, 9);
        f.putLong(24, VIRTUAL_SIZE);
        f.putInt(36, L1_ENTRIES);
        f.putLong(40, L1_OFFSET);
        f.putLong(L1_OFFSET, L2_OFFSET | (1L << 63));
        f.putLong(L2_OFFSET, DATA_OFFSET | (1L << 63));
        f.put(DATA_OFFSET, sector0);
        return f.array();
    }

    /** A GPT disk of {@code sectors} sectors with partitions starting at {@code starts}, 100 sectors each. */
    static byte[] gpt(long sectors, long... starts) {
        ByteBuffer d = ByteBuffer.allocate((int) (sectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
        d.put(0, mbr(0xee, 1, sectors - 1));
        int entries = 128;
        int entrySize = 128;
        ByteBuffer array = ByteBuffer.allocate(entries * entrySize).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < starts.length; i++) {
            array.putLong(i * entrySize, 0x477284830FC63DAFL);
            array.putLong(i * entrySize + 8, 0xE47D47D8693D798EL);
            array.putLong(i * entrySize + 32, starts[i]);
            array.putLong(i * entrySize + 40, starts[i] + 99);
        }
        d.put(2 * 512, array.array());
        ByteBuffer h = ByteBuffer.allocate(92).order(ByteOrder.LITTLE_ENDIAN);
        h.put("EFI PART".getBytes(StandardCharsets.US_ASCII));
        h.putInt(8, 0x00010000);
        h.putInt(12, 92);
        h.putLong(24, 1);
        h.putLong(32, sectors - 1);
        h.putLong(40, 34);
        h.putLong(48, sectors - 34);
        h.putLong(72, 2);
        h.putInt(80, entries);
        h.putInt(84, entrySize);
        h.putInt(88, crc(array.array()));
        h.putInt(16, crc(h.array()));
        d.put(512, h.array());
        return d.array();
    }

    /** Recomputes the GPT header checksum after a test changed a header field. */
    static void resealGptHeader(byte[] disk) {
        ByteBuffer d = ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN);
        d.putInt(512 + 16, 0);
        byte[] header = new byte[92];
        System.arraycopy(disk, 512, header, 0, 92);
        d.putInt(512 + 16, crc(header));
    }

    static int crc(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return (int) c.getValue();
    }
}
