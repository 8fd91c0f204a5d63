package dev.jvirtio.blk.image;

import dev.jvirtio.blk.storage.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The partition table at the start of a disk, read through a {@link Storage} (so inside raw and
 * qcow2 images alike): an MBR with its primary entries and chain of logical partitions, or a GPT
 * (UEFI 2.10, section 5.3) with 512- or 4096-byte sectors. Every count and offset read from the disk
 * is bounded before use, and loops in the logical chain are stopped.
 *
 * @param scheme none, MBR or GPT
 * @param sectorSize the sector size the table counts in
 * @param partitions the partitions by number (extended-partition containers are not listed)
 */
public record PartitionTable(PartitionScheme scheme, int sectorSize, List<Partition> partitions) {

    /** At most this many logical partitions are followed in an MBR extended chain. */
    static final int MAX_LOGICAL = 128;
    /** GPT partition entry arrays larger than this are refused. */
    static final long MAX_GPT_ARRAY_BYTES = 1 << 20;

    private static final int MBR_SECTOR = 512;
    private static final int MBR_ENTRIES = 446;
    private static final int MBR_ENTRY = 16;
    private static final int MBR_TYPE = 4;
    private static final int MBR_START = 8;
    private static final int MBR_SECTORS = 12;
    private static final int MBR_SIGNATURE = 510;
    private static final int GPT_PROTECTIVE = 0xee;
    private static final long GPT_MAGIC = 0x5452415020494645L; // "EFI PART", little-endian
    private static final int GPT_HEADER_SIZE = 12;
    private static final int GPT_HEADER_CRC = 16;
    private static final int GPT_ENTRIES_LBA = 72;
    private static final int GPT_ENTRY_COUNT = 80;
    private static final int GPT_ENTRY_SIZE = 84;
    private static final int GPT_ENTRIES_CRC = 88;
    private static final int GPT_MIN_HEADER = 92;
    private static final int GPT_MIN_ENTRY = 128;

    private static final Map<String, String> GPT_TYPES = Map.of(
            "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem",
            "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System",
            "21686148-6449-6E6F-744E-656564454649", "BIOS boot",
            "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap",
            "E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM",
            "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data",
            "A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID",
            "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "Linux root (x86-64)");
    private static final Map<Integer, String> MBR_TYPES = Map.of(
            0x83, "Linux", 0x82, "Linux swap", 0x8e, "Linux LVM", 0x07, "NTFS/exFAT", 0x0b, "FAT32",
            0x0c, "FAT32 (LBA)", 0xef, "EFI System", 0x06, "FAT16", 0xfd, "Linux RAID");

    public PartitionTable {
        Objects.requireNonNull(scheme, "scheme");
        partitions = List.copyOf(partitions);
    }

    /**
     * Reads the partition table of a disk.
     *
     * @return the table, with scheme {@link PartitionScheme#NONE} when sector 0 has no MBR signature
     * @throws PartitionTableException when a table is present but cannot be read: a GPT header or
     *     entry array whose checksum does not match, entries outside the disk, a loop in the chain
     */
    public static PartitionTable read(Storage disk) {
        long size = disk.sizeBytes();
        if (size < MBR_SECTOR) {
            return new PartitionTable(PartitionScheme.NONE, MBR_SECTOR, List.of());
        }
        ByteBuffer mbr = read(disk, 0, MBR_SECTOR);
        // The boot signature 0x55 0xaa ends sector 0.
        if ((mbr.get(MBR_SIGNATURE) & 0xff) != 0x55 || (mbr.get(MBR_SIGNATURE + 1) & 0xff) != 0xaa) {
            return new PartitionTable(PartitionScheme.NONE, MBR_SECTOR, List.of());
        }
        for (int slot = 0; slot < 4; slot++) {
            if ((mbr.get(MBR_ENTRIES + slot * MBR_ENTRY + MBR_TYPE) & 0xff) == GPT_PROTECTIVE) {
                return readGpt(disk, size);
            }
        }
        return readMbr(disk, mbr, size);
    }

    /** The partitions that do not start on a multiple of {@code bytes}. */
    public List<Partition> misaligned(long bytes) {
        return partitions.stream().filter(p -> !p.alignedTo(bytes)).toList();
    }

    private static PartitionTable readMbr(Storage disk, ByteBuffer mbr, long size) {
        List<Partition> out = new ArrayList<>();
        long sectors = size / MBR_SECTOR;
        for (int slot = 0; slot < 4; slot++) {
            int base = MBR_ENTRIES + slot * MBR_ENTRY;
            int type = mbr.get(base + MBR_TYPE) & 0xff;
            long start = Integer.toUnsignedLong(mbr.getInt(base + MBR_START));
            long count = Integer.toUnsignedLong(mbr.getInt(base + MBR_SECTORS));
            if (type == 0 || count == 0) {
                continue;
            }
            if (start >= sectors) {
                throw new PartitionTableException("MBR partition " + (slot + 1) + " starts at sector " + start
                        + ", past the end of the disk at sector " + sectors);
            }
            if (isExtended(type)) {
                readLogical(disk, start, sectors, out);
            } else {
                out.add(new Partition(slot + 1, start, count, MBR_SECTOR, mbrType(type), ""));
            }
        }
        out.sort(Comparator.comparingInt(Partition::number));
        return new PartitionTable(PartitionScheme.MBR, MBR_SECTOR, out);
    }

    private static boolean isExtended(int type) {
        return type == 0x05 || type == 0x0f || type == 0x85;
    }

    private static String mbrType(int type) {
        String known = MBR_TYPES.get(type);
        return String.format(Locale.ROOT, "0x%02x", type) + (known == null ? "" : " " + known);
    }

    /** Follows the chain of extended boot records, each holding one logical partition and a link. */
    private static void readLogical(Storage disk, long extendedStart, long sectors, List<Partition> out) {
        Set<Long> seen = new HashSet<>();
        long ebr = extendedStart;
        int number = 5;
        while (true) {
            if (!seen.add(ebr)) {
                throw new PartitionTableException("the MBR chain of logical partitions loops back to sector " + ebr);
            }
            if (seen.size() > MAX_LOGICAL) {
                throw new PartitionTableException("the MBR chain has more than " + MAX_LOGICAL + " logical partitions");
            }
            if (ebr >= sectors) {
                throw new PartitionTableException("an extended boot record at sector " + ebr
                        + " lies past the end of the disk at sector " + sectors);
            }
            ByteBuffer record = read(disk, ebr * MBR_SECTOR, MBR_SECTOR);
            if ((record.get(MBR_SIGNATURE) & 0xff) != 0x55 || (record.get(MBR_SIGNATURE + 1) & 0xff) != 0xaa) {
                throw new PartitionTableException("the extended boot record at sector " + ebr + " has no boot signature");
            }
            int type = record.get(MBR_ENTRIES + MBR_TYPE) & 0xff;
            long start = Integer.toUnsignedLong(record.getInt(MBR_ENTRIES + MBR_START));
            long count = Integer.toUnsignedLong(record.getInt(MBR_ENTRIES + MBR_SECTORS));
            if (type != 0 && count != 0) {
                out.add(new Partition(number, ebr + start, count, MBR_SECTOR, mbrType(type), ""));
            }
            number++;
            int nextBase = MBR_ENTRIES + MBR_ENTRY;
            long next = Integer.toUnsignedLong(record.getInt(nextBase + MBR_START));
            if ((record.get(nextBase + MBR_TYPE) & 0xff) == 0 || next == 0) {
                return;
            }
            ebr = extendedStart + next;
        }
    }

    private static PartitionTable readGpt(Storage disk, long size) {
        for (int sector : new int[] {512, 4096}) {
            if (size >= 2L * sector) {
                ByteBuffer header = read(disk, sector, sector);
                if (header.getLong(0) == GPT_MAGIC) {
                    return readGpt(disk, size, sector, header);
                }
            }
        }
        throw new PartitionTableException("the protective MBR announces a GPT, but no GPT header is at sector 1");
    }

    private static PartitionTable readGpt(Storage disk, long size, int sector, ByteBuffer header) {
        long headerSize = Integer.toUnsignedLong(header.getInt(GPT_HEADER_SIZE));
        if (headerSize < GPT_MIN_HEADER || headerSize > sector) {
            throw new PartitionTableException("the GPT header claims " + headerSize + " bytes; it must have "
                    + GPT_MIN_HEADER + " to " + sector);
        }
        // UEFI 2.10, 5.3.2: the header CRC32 is computed with its own field zeroed.
        int storedCrc = header.getInt(GPT_HEADER_CRC);
        ByteBuffer copy = ByteBuffer.allocate((int) headerSize);
        copy.put(0, header, 0, (int) headerSize);
        copy.putInt(GPT_HEADER_CRC, 0);
        if (crc(copy.array()) != storedCrc) {
            throw new PartitionTableException("the GPT header's checksum does not match its contents");
        }
        long entriesLba = header.getLong(GPT_ENTRIES_LBA);
        long count = Integer.toUnsignedLong(header.getInt(GPT_ENTRY_COUNT));
        long entrySize = Integer.toUnsignedLong(header.getInt(GPT_ENTRY_SIZE));
        if (entrySize < GPT_MIN_ENTRY || entrySize % GPT_MIN_ENTRY != 0 || count * entrySize > MAX_GPT_ARRAY_BYTES) {
            throw new PartitionTableException("the GPT entry array of " + count + " entries of " + entrySize
                    + " bytes is not valid (entries are a multiple of 128 bytes, at most " + MAX_GPT_ARRAY_BYTES
                    + " bytes in all)");
        }
        long arrayBytes = count * entrySize;
        if (entriesLba < 2 || entriesLba >= size / sector || arrayBytes > size - entriesLba * sector) {
            throw new PartitionTableException("the GPT entry array at sector " + entriesLba
                    + " does not lie inside the disk");
        }
        ByteBuffer array = read(disk, entriesLba * sector, (int) arrayBytes);
        if (crc(array.array()) != header.getInt(GPT_ENTRIES_CRC)) {
            throw new PartitionTableException("the GPT entry array's checksum does not match its contents");
        }
        long sectors = size / sector;
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int base = (int) (i * entrySize);
            String type = guid(array, base);
            if (type.equals("00000000-0000-0000-0000-000000000000")) {
                continue;
            }
            long first = array.getLong(base + 32);
            long last = array.getLong(base + 40);
            if (first < 0 || last < first || last >= sectors) {
                throw new PartitionTableException("GPT partition " + (i + 1) + " spans sectors " + first + " to " + last
                        + ", not inside the disk of " + sectors + " sectors");
            }
            byte[] nameBytes = new byte[72];
            array.get(base + 56, nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_16LE);
            int nul = name.indexOf('\0');
            name = nul >= 0 ? name.substring(0, nul) : name;
            String known = GPT_TYPES.get(type);
            out.add(new Partition(i + 1, first, last - first + 1, sector, known == null ? type : type + " " + known,
                    name));
        }
        return new PartitionTable(PartitionScheme.GPT, sector, out);
    }

    /** A GUID as text: the first three fields are stored little-endian. */
    private static String guid(ByteBuffer b, int at) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%08X-%04X-%04X-", le.getInt(at),
                le.getShort(at + 4) & 0xffff, le.getShort(at + 6) & 0xffff));
        for (int i = 8; i < 16; i++) {
            if (i == 10) {
                s.append('-');
            }
            s.append(String.format(Locale.ROOT, "%02X", b.get(at + i) & 0xff));
        }
        return s.toString();
    }

    private static int crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static ByteBuffer read(Storage disk, long offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(length, 4096);
            disk.read(offset, new MemorySegment[] {buffer});
            return ByteBuffer.wrap(buffer.toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
