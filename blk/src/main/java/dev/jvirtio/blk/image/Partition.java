package dev.jvirtio.blk.image;

import java.util.Objects;

/**
 * One partition of a disk.
 *
 * @param number the partition number as Linux names it ({@code vda1}: 1; MBR logical partitions
 *     from 5)
 * @param startSector the first sector
 * @param sectors the number of sectors
 * @param sectorSize the logical sector size the table counts in (512 or 4096)
 * @param type the MBR type such as {@code 0x83 Linux}, or the GPT type GUID and its name
 * @param name the GPT partition name, or an empty string
 */
public record Partition(int number, long startSector, long sectors, int sectorSize, String type, String name) {

    public Partition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    /** Where the partition starts, in bytes. */
    public long startBytes() {
        return startSector * sectorSize;
    }

    /** The partition's size in bytes. */
    public long sizeBytes() {
        return sectors * sectorSize;
    }

    /** Whether the partition starts on a multiple of {@code bytes}. */
    public boolean alignedTo(long bytes) {
        return startBytes() % bytes == 0;
    }
}
