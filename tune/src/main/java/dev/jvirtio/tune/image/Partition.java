package dev.jvirtio.tune.image;

import java.util.Objects;

/**
 * One partition of a disk's MBR or GPT, in 512-byte logical sectors.
 *
 * @param index         the partition number as Linux names it ({@code sda1}: 1; MBR logical
 *                      partitions from 5)
 * @param startLba      the first sector
 * @param sizeLba       the number of sectors
 * @param type          the MBR type as {@code 0x83}, or the GPT type GUID
 * @param alignedTo4K   true when the start is a multiple of 4 KiB (8 sectors)
 * @param alignedTo1MiB true when the start is a multiple of 1 MiB (2048 sectors)
 */
public record Partition(int index, long startLba, long sizeLba, String type, boolean alignedTo4K,
                        boolean alignedTo1MiB) {

    /** The logical sector size the LBAs count in. */
    public static final int SECTOR_BYTES = 512;

    public Partition {
        Objects.requireNonNull(type, "type");
    }

    /** A partition whose alignment flags are computed from its start. */
    public static Partition of(int index, long startLba, long sizeLba, String type) {
        long startBytes = startLba * SECTOR_BYTES;
        return new Partition(index, startLba, sizeLba, type, startBytes % 4096 == 0, startBytes % (1 << 20) == 0);
    }

    /** The start in bytes. */
    public long startBytes() {
        return startLba * SECTOR_BYTES;
    }
}
