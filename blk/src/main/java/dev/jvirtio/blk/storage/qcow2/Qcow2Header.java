package dev.jvirtio.blk.storage.qcow2;

import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.*;

import dev.jvirtio.blk.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The header of a qcow2 image and its extensions (qcow2.txt, Header and Header extensions), parsed
 * and checked for consistency: every size and offset is bounded before anything uses it, so a
 * header from a hostile file can only produce a {@link StorageException} that names the image and
 * the field.
 *
 * <p>Parsing accepts every well-formed header, including ones that use features jvirtio does not
 * implement (so that {@code image info} can describe them); {@link #requireSupported(boolean)}
 * refuses those before the image is served.
 */
public final class Qcow2Header {

    private final String name;
    private final int version;
    private final int clusterBits;
    private final long virtualSize;
    private final int cryptMethod;
    private final int l1Size;
    private final long l1TableOffset;
    private final long refcountTableOffset;
    private final int refcountTableClusters;
    private final int nbSnapshots;
    private final long snapshotsOffset;
    private final long incompatibleFeatures;
    private final long compatibleFeatures;
    private final long autoclearFeatures;
    private final int refcountOrder;
    private final int headerLength;
    private final int compressionType;
    private final String backingFile;
    private final String backingFormat;
    private final Map<Integer, String> featureNames;
    private final boolean bitmapsExtension;
    private final long bitmapCount;
    private final long bitmapDirectorySize;
    private final long bitmapDirectoryOffset;
    private final String dataFile;

    private Qcow2Header(Builder b) {
        this.name = b.name;
        this.version = b.version;
        this.clusterBits = b.clusterBits;
        this.virtualSize = b.virtualSize;
        this.cryptMethod = b.cryptMethod;
        this.l1Size = b.l1Size;
        this.l1TableOffset = b.l1TableOffset;
        this.refcountTableOffset = b.refcountTableOffset;
        this.refcountTableClusters = b.refcountTableClusters;
        this.nbSnapshots = b.nbSnapshots;
        this.snapshotsOffset = b.snapshotsOffset;
        this.incompatibleFeatures = b.incompatibleFeatures;
        this.compatibleFeatures = b.compatibleFeatures;
        this.autoclearFeatures = b.autoclearFeatures;
        this.refcountOrder = b.refcountOrder;
        this.headerLength = b.headerLength;
        this.compressionType = b.compressionType;
        this.backingFile = b.backingFile;
        this.backingFormat = b.backingFormat;
        this.featureNames = Map.copyOf(b.featureNames);
        this.bitmapsExtension = b.bitmapsExtension;
        this.bitmapCount = b.bitmapCount;
        this.bitmapDirectorySize = b.bitmapDirectorySize;
        this.bitmapDirectoryOffset = b.bitmapDirectoryOffset;
        this.dataFile = b.dataFile;
    }

    /**
     * Whether the file starts with the qcow2 magic {@code QFI\xfb}.
     *
     * @throws StorageException naming the path if it cannot be read
     */
    public static boolean isQcow2(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4);
            while (magic.hasRemaining() && channel.read(magic, magic.position()) > 0) {
                // Read until four bytes or the end of the file.
            }
            return !magic.hasRemaining() && magic.getInt(0) == MAGIC;
        } catch (NoSuchFileException e) {
            throw new StorageException("image " + path + " does not exist", e);
        } catch (IOException e) {
            throw new StorageException("cannot read image " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads and parses the header of the qcow2 image at {@code path}.
     *
     * @throws StorageException naming the path if it cannot be read, is not a qcow2 image, or its
     *     header is inconsistent
     */
    public static Qcow2Header read(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            ByteBuffer first = readAt(channel, 0, (int) Math.min(fileSize, SECTOR));
            int bits = probeClusterBits(first, fileSize, "qcow2 image " + path);
            ByteBuffer cluster = readAt(channel, 0, (int) Math.min(fileSize, 1L << bits));
            return parse(cluster, fileSize, "qcow2 image " + path);
        } catch (NoSuchFileException e) {
            throw new StorageException("image " + path + " does not exist", e);
        } catch (IOException e) {
            throw new StorageException("cannot read image " + path + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer readAt(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip().order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * The cluster bits of a header from its first bytes, checked, so that the caller knows how much
     * of the file holds the header.
     */
    static int probeClusterBits(ByteBuffer first, long fileSize, String name) {
        if (first.limit() < V2_HEADER_LENGTH) {
            throw new StorageException(name + " is " + fileSize + " bytes, too short for a qcow2 header");
        }
        if (first.getInt(MAGIC_OFFSET) != MAGIC) {
            throw new StorageException(name + " is not a qcow2 image (no QFI\\xfb magic)");
        }
        int bits = first.getInt(CLUSTER_BITS);
        // qcow2.txt, Header, cluster_bits: at least 9; QEMU's limit is 2 MiB clusters.
        if (bits < MIN_CLUSTER_BITS || bits > MAX_CLUSTER_BITS) {
            throw new StorageException(name + " has cluster_bits " + Integer.toUnsignedString(bits)
                    + ", outside " + MIN_CLUSTER_BITS + ".." + MAX_CLUSTER_BITS + " (512-byte to 2 MiB clusters)");
        }
        return bits;
    }

    /**
     * Parses a header from the first cluster of the image (or as much of it as the file has).
     *
     * @param cluster the first {@code min(cluster size, file size)} bytes, position 0
     * @param fileSize the image file's size, to bound the header's own offsets
     * @param name how messages name the image, such as "qcow2 image /x.qcow2"
     */
    static Qcow2Header parse(ByteBuffer cluster, long fileSize, String name) {
        ByteBuffer h = cluster.duplicate().order(ByteOrder.BIG_ENDIAN);
        int bits = probeClusterBits(h, fileSize, name);
        Builder b = new Builder(name);
        b.clusterBits = bits;
        long clusterSize = 1L << bits;
        b.version = h.getInt(VERSION);
        if (b.version != 2 && b.version != 3) {
            throw new StorageException(name + " has qcow2 version " + Integer.toUnsignedString(b.version)
                    + "; only versions 2 and 3 exist");
        }
        b.backingFileOffset = h.getLong(BACKING_FILE_OFFSET);
        b.backingFileSize = Integer.toUnsignedLong(h.getInt(BACKING_FILE_SIZE));
        b.virtualSize = h.getLong(SIZE);
        if (b.virtualSize < 0) {
            throw new StorageException(name + " has a virtual size of " + Long.toUnsignedString(b.virtualSize)
                    + " bytes, more than 8 EiB");
        }
        b.cryptMethod = h.getInt(CRYPT_METHOD);
        long l1Size = Integer.toUnsignedLong(h.getInt(L1_SIZE));
        b.l1TableOffset = h.getLong(L1_TABLE_OFFSET);
        b.refcountTableOffset = h.getLong(REFCOUNT_TABLE_OFFSET);
        long refcountTableClusters = Integer.toUnsignedLong(h.getInt(REFCOUNT_TABLE_CLUSTERS));
        long nbSnapshots = Integer.toUnsignedLong(h.getInt(NB_SNAPSHOTS));
        b.snapshotsOffset = h.getLong(SNAPSHOTS_OFFSET);
        if (b.version == 2) {
            b.headerLength = V2_HEADER_LENGTH;
            b.refcountOrder = DEFAULT_REFCOUNT_ORDER;
        } else {
            if (h.limit() < V3_MIN_HEADER_LENGTH) {
                throw new StorageException(name + " is " + fileSize + " bytes, too short for a version 3 header");
            }
            b.incompatibleFeatures = h.getLong(INCOMPATIBLE_FEATURES);
            b.compatibleFeatures = h.getLong(COMPATIBLE_FEATURES);
            b.autoclearFeatures = h.getLong(AUTOCLEAR_FEATURES);
            b.refcountOrder = h.getInt(REFCOUNT_ORDER);
            long length = Integer.toUnsignedLong(h.getInt(HEADER_LENGTH));
            // qcow2.txt, Header: header_length is at least 104 and a multiple of 8 for version 3.
            if (length < V3_MIN_HEADER_LENGTH || length % 8 != 0 || length > Math.min(clusterSize, h.limit())) {
                throw new StorageException(name + " has a header_length of " + length
                        + " bytes; version 3 needs a multiple of 8 from 104 to the cluster size " + clusterSize);
            }
            b.headerLength = (int) length;
            if (length > COMPRESSION_TYPE) {
                b.compressionType = h.get(COMPRESSION_TYPE) & 0xff;
            }
        }
        // qcow2.txt, Header, refcount_order: may not exceed 6.
        if (b.refcountOrder < 0 || b.refcountOrder > MAX_REFCOUNT_ORDER) {
            throw new StorageException(name + " has a refcount_order of " + Integer.toUnsignedString(b.refcountOrder)
                    + "; the largest valid order is 6 (64-bit refcounts)");
        }
        checkL1(b, l1Size, clusterSize, name);
        checkRefcountTable(b, refcountTableClusters, clusterSize, name);
        if (nbSnapshots > MAX_SNAPSHOTS) {
            throw new StorageException(name + " claims " + nbSnapshots + " snapshots, more than the "
                    + MAX_SNAPSHOTS + " allowed");
        }
        b.nbSnapshots = (int) nbSnapshots;
        if (nbSnapshots > 0 && !clusterAligned(b.snapshotsOffset, clusterSize)) {
            throw new StorageException(name + " has its snapshot table at offset "
                    + Long.toUnsignedString(b.snapshotsOffset) + ", not at a cluster boundary");
        }
        long extensionsEnd = Math.min(clusterSize, h.limit());
        if (b.backingFileOffset != 0) {
            readBackingName(b, h, clusterSize, name);
            extensionsEnd = Math.min(extensionsEnd, b.backingFileOffset);
        }
        readExtensions(b, h, (int) extensionsEnd, name);
        return new Qcow2Header(b);
    }

    private static void checkL1(Builder b, long l1Size, long clusterSize, String name) {
        if (l1Size * 8 > MAX_L1_BYTES) {
            throw new StorageException(name + " has an L1 table of " + l1Size + " entries, more than the "
                    + (MAX_L1_BYTES >> 20) + " MiB limit");
        }
        long l2Entries = clusterSize / 8;
        long clustersNeeded = ceilDiv(b.virtualSize, clusterSize);
        long l1Needed = ceilDiv(clustersNeeded, l2Entries);
        // qcow2.txt, Cluster mapping: the L1 table must cover the virtual disk.
        if (l1Needed > l1Size) {
            throw new StorageException(name + " has an L1 table of " + l1Size + " entries, too small for its virtual size "
                    + b.virtualSize + " (it needs " + l1Needed + ")");
        }
        if (l1Size > 0 && (b.l1TableOffset <= 0 || !clusterAligned(b.l1TableOffset, clusterSize))) {
            throw new StorageException(name + " has its L1 table at offset " + Long.toUnsignedString(b.l1TableOffset)
                    + ", which is not a cluster boundary after the header");
        }
        b.l1Size = (int) l1Size;
    }

    private static void checkRefcountTable(Builder b, long clusters, long clusterSize, String name) {
        // qcow2.txt, Header: the refcount table starts at a cluster boundary.
        if (b.refcountTableOffset <= 0 || !clusterAligned(b.refcountTableOffset, clusterSize)) {
            throw new StorageException(name + " has its refcount table at offset "
                    + Long.toUnsignedString(b.refcountTableOffset) + ", which is not a cluster boundary after the header");
        }
        if (clusters == 0 || clusters * clusterSize > MAX_REFCOUNT_TABLE_BYTES) {
            throw new StorageException(name + " has a refcount table of " + clusters + " clusters; it must have 1 to "
                    + MAX_REFCOUNT_TABLE_BYTES / clusterSize + " (" + (MAX_REFCOUNT_TABLE_BYTES >> 20) + " MiB)");
        }
        b.refcountTableClusters = (int) clusters;
    }

    private static void readBackingName(Builder b, ByteBuffer h, long clusterSize, String name) {
        long offset = b.backingFileOffset;
        long size = b.backingFileSize;
        // qcow2.txt, Header: the name is at most 1023 bytes and lives in the first cluster.
        if (size == 0 || size > MAX_BACKING_NAME) {
            throw new StorageException(name + " has a backing file name of " + size + " bytes; it must have 1 to "
                    + MAX_BACKING_NAME);
        }
        if (offset < b.headerLength || offset > clusterSize - size || offset + size > h.limit()) {
            throw new StorageException(name + " has its backing file name at offset " + Long.toUnsignedString(offset)
                    + ", outside the header cluster after the header");
        }
        byte[] bytes = new byte[(int) size];
        h.get((int) offset, bytes);
        b.backingFile = new String(bytes, StandardCharsets.UTF_8);
    }

    private static void readExtensions(Builder b, ByteBuffer h, int end, String name) {
        int at = b.headerLength;
        List<Integer> seen = new ArrayList<>();
        while (at + 8 <= end) {
            int type = h.getInt(at);
            long length = Integer.toUnsignedLong(h.getInt(at + 4));
            if (type == EXT_END) {
                return;
            }
            if (length > end - at - 8) {
                throw new StorageException(name + " has a header extension 0x" + Integer.toHexString(type) + " of "
                        + length + " bytes at offset " + at + ", reaching past the header area at " + end);
            }
            // qcow2.txt, Header extensions: each type appears at most once.
            if (seen.contains(type)) {
                throw new StorageException(name + " has header extension 0x" + Integer.toHexString(type) + " twice");
            }
            seen.add(type);
            int data = at + 8;
            int len = (int) length;
            switch (type) {
                case EXT_BACKING_FORMAT -> b.backingFormat = string(h, data, len);
                case EXT_FEATURE_TABLE -> {
                    for (int e = 0; e + FEATURE_ENTRY <= len; e += FEATURE_ENTRY) {
                        int kind = h.get(data + e) & 0xff;
                        int bit = h.get(data + e + 1) & 0xff;
                        String feature = string(h, data + e + 2, FEATURE_NAME).replace("\0", "").strip();
                        if (kind <= 2 && bit < 64) {
                            b.featureNames.put(kind * 64 + bit, feature);
                        }
                    }
                }
                case EXT_BITMAPS -> {
                    if (len < 24) {
                        throw new StorageException(name + " has a bitmaps extension of " + len
                                + " bytes, shorter than its 24 bytes of fields");
                    }
                    b.bitmapsExtension = true;
                    b.bitmapCount = Integer.toUnsignedLong(h.getInt(data + BITMAPS_EXT_NB));
                    b.bitmapDirectorySize = h.getLong(data + BITMAPS_EXT_DIR_SIZE);
                    b.bitmapDirectoryOffset = h.getLong(data + BITMAPS_EXT_DIR_OFFSET);
                }
                case EXT_DATA_FILE -> b.dataFile = string(h, data, len);
                default -> {
                    // qcow2.txt: unknown header extensions can be safely ignored.
                }
            }
            at = (int) Math.min((long) end, data + alignUp(len, 8));
        }
    }

    private static String string(ByteBuffer h, int offset, int length) {
        byte[] bytes = new byte[length];
        h.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean clusterAligned(long offset, long clusterSize) {
        return offset >= 0 && (offset & (clusterSize - 1)) == 0;
    }

    static long ceilDiv(long value, long divisor) {
        return value / divisor + (value % divisor == 0 ? 0 : 1);
    }

    /**
     * Refuses what jvirtio does not implement, and (for writing) what must not be written: each
     * problem is one sentence naming the image and the feature.
     *
     * @throws StorageException for encryption, an external data file, a non-zlib compression,
     *     extended L2 entries or an unknown incompatible feature; when {@code writable}, also for
     *     the corrupt bit, the dirty bit, internal snapshots and consistent persistent bitmaps
     */
    public void requireSupported(boolean writable) {
        if (cryptMethod != 0) {
            throw new StorageException(name + " is encrypted (crypt_method " + cryptMethod
                    + "), which jvirtio does not support");
        }
        // qcow2.txt, Header, incompatible_features: an implementation must fail to open an image if
        // an unknown bit is set.
        long unknown = incompatibleFeatures & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            List<String> names = new ArrayList<>();
            for (int bit = 0; bit < 64; bit++) {
                if ((unknown & (1L << bit)) != 0) {
                    names.add(incompatibleName(bit));
                }
            }
            throw new StorageException(name + " uses incompatible feature " + String.join(", ", names)
                    + ", which jvirtio does not support");
        }
        if (compressionType != 0) {
            throw new StorageException(name + " declares compression type " + compressionType
                    + " without the compression type feature bit");
        }
        if (!writable) {
            return;
        }
        // qcow2.txt, Header, bit 1: a corrupt image must not be written to.
        if (corrupt()) {
            throw new StorageException(name + " is marked corrupt; repair it with 'qemu-img check -r all' or open it"
                    + " read-only");
        }
        // qcow2.txt, Header, bit 0: refcounts may be inconsistent until they are repaired.
        if (dirty()) {
            throw new StorageException(name + " was not closed cleanly and uses lazy refcounts (dirty bit set); repair"
                    + " it with 'qemu-img check -r all' or open it read-only");
        }
        if (nbSnapshots > 0) {
            throw new StorageException(name + " has " + nbSnapshots + " internal snapshot"
                    + (nbSnapshots == 1 ? "" : "s") + ", which jvirtio opens read-only only");
        }
        // qcow2.txt, autoclear bit 0: writing would make the bitmaps inconsistent; refuse rather than
        // silently break the incremental backups that rely on them.
        if (bitmapsExtension && (autoclearFeatures & AUTOCLEAR_BITMAPS) != 0) {
            throw new StorageException(name + " has " + bitmapCount + " persistent bitmap"
                    + (bitmapCount == 1 ? "" : "s") + ", which jvirtio does not update; remove them with"
                    + " 'qemu-img bitmap --remove' or open the image read-only");
        }
    }

    /** Whether the bitmaps extension is present and marked consistent. */
    boolean bitmapsConsistent() {
        return bitmapsExtension && (autoclearFeatures & AUTOCLEAR_BITMAPS) != 0;
    }

    private String incompatibleName(int bit) {
        String known = switch (bit) {
            case 2 -> "external data file";
            case 3 -> "compression type" + (compressionType == 1 ? " zstd" : "");
            case 4 -> "extended L2 entries";
            default -> null;
        };
        String fromTable = featureNames.get(bit);
        String label = known != null ? known : fromTable != null && !fromTable.isEmpty() ? fromTable : "unknown";
        return "'" + label + "' (bit " + bit + ")";
    }

    /** The qcow2 version, 2 or 3. */
    public int version() {
        return version;
    }

    /** log2 of the cluster size. */
    public int clusterBits() {
        return clusterBits;
    }

    /** The cluster size in bytes (512 to 2 MiB). */
    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** The size of the virtual disk in bytes. */
    public long virtualSize() {
        return virtualSize;
    }

    /** Entries in the active L1 table. */
    public int l1Size() {
        return l1Size;
    }

    /** Where the active L1 table starts (cluster-aligned; 0 if it has no entries). */
    public long l1TableOffset() {
        return l1TableOffset;
    }

    /** Where the refcount table starts (cluster-aligned). */
    public long refcountTableOffset() {
        return refcountTableOffset;
    }

    /** Clusters the refcount table occupies. */
    public int refcountTableClusters() {
        return refcountTableClusters;
    }

    /** Internal snapshots in the image. */
    public int snapshotCount() {
        return nbSnapshots;
    }

    /** Where the snapshot table starts (meaningful if there are snapshots). */
    public long snapshotsOffset() {
        return snapshotsOffset;
    }

    /** The incompatible feature bits. */
    public long incompatibleFeatures() {
        return incompatibleFeatures;
    }

    /** The compatible feature bits. */
    public long compatibleFeatures() {
        return compatibleFeatures;
    }

    /** The auto-clear feature bits. */
    public long autoclearFeatures() {
        return autoclearFeatures;
    }

    /** log2 of the refcount width in bits (4: 16-bit refcounts). */
    public int refcountOrder() {
        return refcountOrder;
    }

    /** The width of a refcount in bits. */
    public int refcountBits() {
        return 1 << refcountOrder;
    }

    /** The header length in bytes (72 for version 2). */
    public int headerLength() {
        return headerLength;
    }

    /** The compression type (0: zlib, 1: zstd). */
    public int compressionType() {
        return compressionType;
    }

    /** The backing file name as stored in the image (relative names are relative to the image's directory). */
    public Optional<String> backingFile() {
        return Optional.ofNullable(backingFile);
    }

    /** The backing file format from the header extension, such as "raw" or "qcow2". */
    public Optional<String> backingFormat() {
        return Optional.ofNullable(backingFormat);
    }

    /** The external data file name, if the image names one. */
    public Optional<String> dataFile() {
        return Optional.ofNullable(dataFile);
    }

    /** Whether the dirty bit is set (lazy refcounts in use and not cleanly closed). */
    public boolean dirty() {
        return (incompatibleFeatures & INCOMPAT_DIRTY) != 0;
    }

    /** Whether the corrupt bit is set. */
    public boolean corrupt() {
        return (incompatibleFeatures & INCOMPAT_CORRUPT) != 0;
    }

    /** Whether the lazy refcounts compatible feature is set. */
    public boolean lazyRefcounts() {
        return (compatibleFeatures & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    /** Whether the image uses extended L2 entries (subclusters). */
    public boolean extendedL2() {
        return (incompatibleFeatures & INCOMPAT_EXTL2) != 0;
    }

    /** Whether the image has a bitmaps extension. */
    boolean hasBitmaps() {
        return bitmapsExtension;
    }

    long bitmapCount() {
        return bitmapCount;
    }

    long bitmapDirectorySize() {
        return bitmapDirectorySize;
    }

    long bitmapDirectoryOffset() {
        return bitmapDirectoryOffset;
    }

    /** QEMU's name for the version: "1.1" for version 3, "0.10" for version 2. */
    public String compat() {
        return version == 3 ? "1.1" : "0.10";
    }

    /**
     * The backing file's path: an absolute name as it is, a relative one resolved against the
     * directory of {@code image}.
     */
    public Optional<Path> backingPath(Path image) {
        if (backingFile == null) {
            return Optional.empty();
        }
        Path named;
        try {
            named = Path.of(backingFile);
        } catch (InvalidPathException e) {
            throw new StorageException(name + " names a backing file that is not a valid path: " + e.getMessage(), e);
        }
        if (named.isAbsolute()) {
            return Optional.of(named);
        }
        Path dir = image.toAbsolutePath().getParent();
        return Optional.of(dir == null ? named : dir.resolve(named));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Qcow2Header[v%d, cluster=%d, size=%d, l1=%d@%d, reftable=%d@%d%s]",
                version, clusterSize(), virtualSize, l1Size, l1TableOffset, refcountTableClusters, refcountTableOffset,
                backingFile == null ? "" : ", backing=" + backingFile);
    }

    private static final class Builder {
        final String name;
        int version;
        int clusterBits;
        long virtualSize;
        int cryptMethod;
        int l1Size;
        long l1TableOffset;
        long refcountTableOffset;
        int refcountTableClusters;
        int nbSnapshots;
        long snapshotsOffset;
        long incompatibleFeatures;
        long compatibleFeatures;
        long autoclearFeatures;
        int refcountOrder;
        int headerLength;
        int compressionType;
        long backingFileOffset;
        long backingFileSize;
        String backingFile;
        String backingFormat;
        final Map<Integer, String> featureNames = new HashMap<>();
        boolean bitmapsExtension;
        long bitmapCount;
        long bitmapDirectorySize;
        long bitmapDirectoryOffset;
        String dataFile;

        Builder(String name) {
            this.name = name;
        }
    }
}
