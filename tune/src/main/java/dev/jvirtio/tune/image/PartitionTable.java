package dev.jvirtio.tune.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The partition table at the start of a disk: an MBR (four primary entries and an optional chain
 * of logical partitions) or a GPT (UEFI 2.10, section 5.3), read with 512-byte logical sectors.
 * Every count and offset read from the disk is bounded before use.
 *
 * @param scheme     {@code mbr}, {@code gpt} or {@code none}
 * @param partitions the partitions in index order; extended-partition containers are not listed
 */
public record PartitionTable(String scheme, List<Partition> partitions) {

    /** At most this many logical partitions are followed in an MBR extended chain. */
    static final int MAX_LOGICAL = 128;
    /** GPT partition entry arrays larger than this are refused. */
    static final int MAX_GPT_ARRAY_BYTES = 1 << 20;

    private static final int SECTOR = Partition.SECTOR_BYTES;

    public PartitionTable {
        Objects.requireNonNull(scheme, "scheme");
        partitions = List.copyOf(partitions);
    }

    /**
     * Reads the table of a disk.
     *
     * @return the table, with scheme {@code none} when sector 0 carries no MBR signature
     * @throws ImageException when a table is present but corrupt: a GPT header whose checksum does
     *                        not match, entries outside the disk, a loop in the logical chain
     */
    public static PartitionTable read(ByteReader disk) throws ImageException {
        if (disk.size() < SECTOR) {
            return new PartitionTable("none", List.of());
        }
        ByteBuffer mbr = le(disk.read(0, SECTOR));
        // MBR boot signature 0x55 0xAA at bytes 510-511.
        if ((mbr.get(510) & 0xff) != 0x55 || (mbr.get(511) & 0xff) != 0xaa) {
            return new PartitionTable("none", List.of());
        }
        for (int slot = 0; slot < 4; slot++) {
            if ((mbr.get(446 + slot * 16 + 4) & 0xff) == 0xee) {
                return readGpt(disk);
            }
        }
        return readMbr(disk, mbr);
    }

    private static PartitionTable readMbr(ByteReader disk, ByteBuffer mbr) throws ImageException {
        List<Partition> out = new ArrayList<>();
        long diskSectors = disk.size() / SECTOR;
        for (int slot = 0; slot < 4; slot++) {
            int base = 446 + slot * 16;
            int type = mbr.get(base + 4) & 0xff;
            long start = Integer.toUnsignedLong(mbr.getInt(base + 8));
            long sectors = Integer.toUnsignedLong(mbr.getInt(base + 12));
            if (type == 0 || sectors == 0) {
                continue;
            }
            if (isExtended(type)) {
                readLogical(disk, start, diskSectors, out);
            } else {
                out.add(Partition.of(slot + 1, start, sectors, mbrType(type)));
            }
        }
        out.sort(java.util.Comparator.comparingInt(Partition::index));
        return new PartitionTable("mbr", out);
    }

    private static boolean isExtended(int type) {
        return type == 0x05 || type == 0x0f || type == 0x85;
    }

    private static String mbrType(int type) {
        return String.format(Locale.ROOT, "0x%02x", type);
    }

    /** Follows the EBR chain: each EBR's first entry is relative to it, its second to the container. */
    private static void readLogical(ByteReader disk, long containerStart, long diskSectors, List<Partition> out)
            throws ImageException {
        Set<Long> seen = new HashSet<>();
        long ebr = containerStart;
        int index = 5;
        while (true) {
            if (!seen.add(ebr)) {
                throw new ImageException("the MBR's chain of logical partitions loops back to sector " + ebr);
            }
            if (index - 5 >= MAX_LOGICAL) {
                throw new ImageException("the MBR's chain of logical partitions is longer than " + MAX_LOGICAL);
            }
            if (ebr >= diskSectors) {
                throw new ImageException("an extended boot record at sector " + ebr
                        + " lies beyond the end of the disk (" + diskSectors + " sectors)");
            }
            ByteBuffer b = le(disk.read(ebr * SECTOR, SECTOR));
            if ((b.get(510) & 0xff) != 0x55 || (b.get(511) & 0xff) != 0xaa) {
                throw new ImageException("the extended boot record at sector " + ebr + " has no 0x55AA signature");
            }
            int type = b.get(446 + 4) & 0xff;
            long rel = Integer.toUnsignedLong(b.getInt(446 + 8));
            long sectors = Integer.toUnsignedLong(b.getInt(446 + 12));
            if (type != 0 && sectors != 0) {
                out.add(Partition.of(index, ebr + rel, sectors, mbrType(type)));
                index++;
            }
            int nextType = b.get(462 + 4) & 0xff;
            long nextRel = Integer.toUnsignedLong(b.getInt(462 + 8));
            if (nextType == 0 || !isExtended(nextType)) {
                return;
            }
            ebr = containerStart + nextRel;
        }
    }

    private static PartitionTable readGpt(ByteReader disk) throws ImageException {
        if (disk.size() < 2L * SECTOR) {
            throw new ImageException("the protective MBR announces a GPT but the disk ends before its header");
        }
        byte[] raw = disk.read(SECTOR, SECTOR);
        ByteBuffer h = le(raw);
        String signature = new String(raw, 0, 8, java.nio.charset.StandardCharsets.US_ASCII);
        if (!signature.equals("EFI PART")) {
            throw new ImageException("the protective MBR announces a GPT but sector 1 has no 'EFI PART' signature");
        }
        int headerSize = h.getInt(12);
        // UEFI 2.10, 5.3.2: HeaderSize must be at least 92 and at most the logical block size.
        if (headerSize < 92 || headerSize > SECTOR) {
            throw new ImageException("the GPT header size " + Integer.toUnsignedString(headerSize)
                    + " is outside 92.." + SECTOR);
        }
        int storedCrc = h.getInt(16);
        byte[] forCrc = java.util.Arrays.copyOf(raw, headerSize);
        forCrc[16] = forCrc[17] = forCrc[18] = forCrc[19] = 0;
        if (crc(forCrc) != storedCrc) {
            throw new ImageException("the GPT header checksum does not match its contents");
        }
        long entriesLba = h.getLong(72);
        long count = Integer.toUnsignedLong(h.getInt(80));
        long entrySize = Integer.toUnsignedLong(h.getInt(84));
        int entriesCrc = h.getInt(88);
        // UEFI 2.10, 5.3.2: SizeOfPartitionEntry is 128 x 2^n.
        if (entrySize < 128 || entrySize > 4096 || Long.bitCount(entrySize) != 1) {
            throw new ImageException("the GPT entry size " + entrySize + " is not 128 times a power of two");
        }
        if (count * entrySize > MAX_GPT_ARRAY_BYTES) {
            throw new ImageException("the GPT entry array of " + count + " entries of " + entrySize
                    + " bytes is larger than " + MAX_GPT_ARRAY_BYTES + " bytes");
        }
        long diskSectors = disk.size() / SECTOR;
        if (entriesLba < 2 || entriesLba >= diskSectors
                || entriesLba * SECTOR + count * entrySize > disk.size()) {
            throw new ImageException("the GPT entry array at sector " + entriesLba + " lies outside the disk");
        }
        byte[] array = disk.read(entriesLba * SECTOR, (int) (count * entrySize));
        if (crc(array) != entriesCrc) {
            throw new ImageException("the GPT entry array checksum does not match its contents");
        }
        ByteBuffer a = le(array);
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int base = (int) (i * entrySize);
            long hi = a.getLong(base);
            long lo = a.getLong(base + 8);
            if (hi == 0 && lo == 0) {
                continue;
            }
            long first = a.getLong(base + 32);
            long last = a.getLong(base + 40);
            if (first < 0 || last < first) {
                throw new ImageException("GPT entry " + (i + 1) + " ends (sector " + Long.toUnsignedString(last)
                        + ") before it starts (sector " + Long.toUnsignedString(first) + ")");
            }
            out.add(Partition.of(i + 1, first, last - first + 1, guid(array, base)));
        }
        return new PartitionTable("gpt", out);
    }

    /** A GUID in its text form: the first three fields are stored little-endian. */
    static String guid(byte[] b, int at) {
        StringBuilder s = new StringBuilder(36);
        int[] order = {3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15};
        for (int o : order) {
            if (o < 0) {
                s.append('-');
            } else {
                s.append(String.format(Locale.ROOT, "%02X", b[at + o] & 0xff));
            }
        }
        return s.toString();
    }

    private static int crc(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return (int) c.getValue();
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
