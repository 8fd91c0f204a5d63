package dev.jvirtio.tune.image;

/**
 * Offsets and bits of the qcow2 format (QEMU docs/interop/qcow2.txt). All header fields are
 * big-endian. Nothing else does arithmetic on raw qcow2 numbers.
 */
final class Qcow2Layout {

    /** "QFI" followed by 0xfb. */
    static final int MAGIC = 0x514649fb;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int BACKING_FILE_OFFSET_OFFSET = 8;
    static final int BACKING_FILE_SIZE_OFFSET = 16;
    static final int CLUSTER_BITS_OFFSET = 20;
    static final int SIZE_OFFSET = 24;
    static final int CRYPT_METHOD_OFFSET = 32;
    static final int L1_SIZE_OFFSET = 36;
    static final int L1_TABLE_OFFSET_OFFSET = 40;
    static final int INCOMPATIBLE_FEATURES_OFFSET = 72;
    static final int HEADER_LENGTH_OFFSET = 100;

    /** A version 2 header is 72 bytes; version 3 headers are at least 104. */
    static final int V2_HEADER_BYTES = 72;
    static final int V3_MIN_HEADER_BYTES = 104;

    /** qcow2.txt: cluster_bits must be between 9 and 21 (QEMU's limits). */
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;

    /** qcow2.txt: the backing file name is at most 1023 bytes. */
    static final int MAX_BACKING_FILE_BYTES = 1023;

    /** QEMU's QCOW_MAX_L1_SIZE: 32 MiB of L1 table. */
    static final long MAX_L1_ENTRIES = (32L << 20) / 8;

    /** Incompatible feature bits. */
    static final long INCOMPAT_DIRTY = 1L;
    static final long INCOMPAT_CORRUPT = 1L << 1;
    static final long INCOMPAT_EXTERNAL_DATA = 1L << 2;
    static final long INCOMPAT_COMPRESSION_TYPE = 1L << 3;
    static final long INCOMPAT_EXTENDED_L2 = 1L << 4;
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_EXTERNAL_DATA
            | INCOMPAT_COMPRESSION_TYPE | INCOMPAT_EXTENDED_L2;

    /** L1 entry bits 9-55: the L2 table's host offset. */
    static final long L1_OFFSET_MASK = 0x00fffffffffffe00L;
    /** Standard L2 entry bits 9-55: the data cluster's host offset. */
    static final long L2_OFFSET_MASK = 0x00fffffffffffe00L;
    /** L2 entry bit 62: the cluster is compressed. */
    static final long L2_COMPRESSED = 1L << 62;
    /** Standard L2 entry bit 0 (version 3): the cluster reads as zeroes. */
    static final long L2_ZERO = 1L;

    /** With extended L2 entries a cluster has 32 subclusters. */
    static final int SUBCLUSTERS = 32;

    private Qcow2Layout() {
    }
}
