package dev.jvirtio.blk.storage.qcow2;

/**
 * The on-disk layout of qcow2 (QEMU {@code docs/interop/qcow2.txt}): header field offsets, header
 * extension types, and the bit fields of L1, L2 and refcount table entries. Every other class reads
 * and writes the format through these names. All numbers in the file are big-endian.
 */
final class Qcow2Layout {

    /** "QFI\xfb" (qcow2.txt, Header, bytes 0-3). */
    static final int MAGIC = 0x514649fb;

    // Header fields (qcow2.txt, Header).
    static final int MAGIC_OFFSET = 0;
    static final int VERSION = 4;
    static final int BACKING_FILE_OFFSET = 8;
    static final int BACKING_FILE_SIZE = 16;
    static final int CLUSTER_BITS = 20;
    static final int SIZE = 24;
    static final int CRYPT_METHOD = 32;
    static final int L1_SIZE = 36;
    static final int L1_TABLE_OFFSET = 40;
    static final int REFCOUNT_TABLE_OFFSET = 48;
    static final int REFCOUNT_TABLE_CLUSTERS = 56;
    static final int NB_SNAPSHOTS = 60;
    static final int SNAPSHOTS_OFFSET = 64;
    /** Version 2 headers end here. */
    static final int V2_HEADER_LENGTH = 72;
    static final int INCOMPATIBLE_FEATURES = 72;
    static final int COMPATIBLE_FEATURES = 80;
    static final int AUTOCLEAR_FEATURES = 88;
    static final int REFCOUNT_ORDER = 96;
    static final int HEADER_LENGTH = 100;
    /** The shortest version 3 header. */
    static final int V3_MIN_HEADER_LENGTH = 104;
    static final int COMPRESSION_TYPE = 104;
    /** The version 3 header QEMU writes: up to compression_type, padded to a multiple of 8. */
    static final int V3_HEADER_LENGTH = 112;

    // Incompatible feature bits (qcow2.txt, Header, bytes 72-79).
    static final long INCOMPAT_DIRTY = 1L;
    static final long INCOMPAT_CORRUPT = 1L << 1;
    static final long INCOMPAT_DATA_FILE = 1L << 2;
    static final long INCOMPAT_COMPRESSION = 1L << 3;
    static final long INCOMPAT_EXTL2 = 1L << 4;
    /** The incompatible bits jvirtio implements; images with others are refused. */
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT;

    // Compatible and autoclear feature bits.
    static final long COMPAT_LAZY_REFCOUNTS = 1L;
    static final long AUTOCLEAR_BITMAPS = 1L;
    static final long AUTOCLEAR_DATA_FILE_RAW = 1L << 1;

    // Header extension types (qcow2.txt, Header extensions).
    static final int EXT_END = 0x00000000;
    static final int EXT_BACKING_FORMAT = 0xe2792aca;
    static final int EXT_FEATURE_TABLE = 0x6803f857;
    static final int EXT_BITMAPS = 0x23852875;
    static final int EXT_ENCRYPTION = 0x0537be77;
    static final int EXT_DATA_FILE = 0x44415441;
    /** Each feature name table entry: type (1 byte), bit (1 byte), name (46 bytes). */
    static final int FEATURE_ENTRY = 48;
    static final int FEATURE_NAME = 46;

    /** qcow2.txt, Header: a backing file name must not be longer than 1023 bytes. */
    static final int MAX_BACKING_NAME = 1023;
    static final int MIN_CLUSTER_BITS = 9;
    /** QEMU's implementation limit, 2 MiB clusters. */
    static final int MAX_CLUSTER_BITS = 21;
    /** QEMU's implementation limit for the L1 table: 32 MiB. */
    static final long MAX_L1_BYTES = 32L << 20;
    /** QEMU's implementation limit for the refcount table: 8 MiB. */
    static final long MAX_REFCOUNT_TABLE_BYTES = 8L << 20;
    /** QEMU's limit on internal snapshots. */
    static final long MAX_SNAPSHOTS = 65536;
    static final int MAX_REFCOUNT_ORDER = 6;
    static final int DEFAULT_REFCOUNT_ORDER = 4;

    // L1 and L2 entries (qcow2.txt, Cluster mapping).
    /** Bits 9-55: the offset of an L2 table or a standard cluster. */
    static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    /** Bit 63: the refcount is exactly one, so the cluster or table may be written in place. */
    static final long COPIED = 1L << 63;
    /** L2 bit 62: a compressed cluster. */
    static final long COMPRESSED = 1L << 62;
    /** L2 standard cluster bit 0: the cluster reads as zeroes (version 3). */
    static final long ZERO = 1L;
    /** L1 entry bits that must be zero: 0-8 and 56-62. */
    static final long L1_RESERVED = 0x7f00_0000_0000_01ffL;
    /** L2 standard entry bits that must be zero: 1-8 and 56-61. */
    static final long L2_RESERVED = 0x3f00_0000_0000_01feL;
    /** Refcount table entry bits that must be zero: 0-8. */
    static final long REFTABLE_RESERVED = 0x1ffL;

    /** Compressed data is counted in 512-byte sectors (qcow2.txt, Compressed Clusters Descriptor). */
    static final int SECTOR = 512;

    // Snapshot table entries (qcow2.txt, Snapshots).
    static final int SNAPSHOT_L1_OFFSET = 0;
    static final int SNAPSHOT_L1_SIZE = 8;
    static final int SNAPSHOT_ID_SIZE = 12;
    static final int SNAPSHOT_NAME_SIZE = 14;
    static final int SNAPSHOT_EXTRA_SIZE = 36;
    static final int SNAPSHOT_FIXED = 40;

    // Bitmaps (qcow2.txt, Bitmaps extension, Bitmap directory).
    static final int BITMAPS_EXT_NB = 0;
    static final int BITMAPS_EXT_DIR_SIZE = 8;
    static final int BITMAPS_EXT_DIR_OFFSET = 16;
    static final int BITMAP_TABLE_OFFSET = 0;
    static final int BITMAP_TABLE_SIZE = 8;
    static final int BITMAP_NAME_SIZE = 18;
    static final int BITMAP_EXTRA_SIZE = 20;
    static final int BITMAP_FIXED = 24;

    private Qcow2Layout() {
    }

    /** Rounds {@code value} up to a multiple of {@code unit} (a power of two). */
    static long alignUp(long value, long unit) {
        return (value + unit - 1) & -unit;
    }
}
