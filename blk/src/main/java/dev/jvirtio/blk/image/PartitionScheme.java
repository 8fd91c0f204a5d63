package dev.jvirtio.blk.image;

/** How a disk is partitioned. */
public enum PartitionScheme {
    /** No partition table: sector 0 has no MBR boot signature. */
    NONE,
    /** A DOS/MBR table: four primary entries and a chain of logical partitions. */
    MBR,
    /** A GUID partition table behind a protective MBR (UEFI 2.10, section 5.3). */
    GPT
}
