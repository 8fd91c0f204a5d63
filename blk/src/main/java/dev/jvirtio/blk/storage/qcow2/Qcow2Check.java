package dev.jvirtio.blk.storage.qcow2;

import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.*;

import dev.jvirtio.blk.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks a qcow2 image's metadata as {@code qemu-img check} does, without changing it: counts every
 * reference to every host cluster (header, L1 and refcount tables, refcount blocks, L2 tables,
 * data and compressed clusters, snapshots with their tables, persistent bitmaps) and compares the
 * counts with the stored refcounts. A cluster counted lower than it is referenced, a reference out
 * of place (misaligned, past the end of the file) or a wrong copied flag is a corruption; a cluster
 * counted higher than it is referenced is a leak.
 *
 * <p>Every size read from the image is bounded by the file's size before it is used.
 */
public final class Qcow2Check {

    /** At most this many findings are kept as text; all are counted. */
    public static final int MAX_PROBLEMS = 100;
    /** Images of more clusters than this are not checked (the reference counts live in memory). */
    static final long MAX_CLUSTERS = 1L << 26;
    /** Bitmap directories and tables larger than this are reported instead of read. */
    static final long MAX_BITMAP_BYTES = 64L << 20;

    private final FileChannel channel;
    private final Qcow2Header header;
    private final long fileSize;
    private final long clusterSize;
    private final int clusterBits;
    private final long clusters;
    private final int[] references;
    private final long[] stored;
    private final List<String> problems = new ArrayList<>();
    private long corruptions;
    private long leaks;
    private long allocated;
    private long fragmented;
    private long compressed;

    private Qcow2Check(FileChannel channel, Qcow2Header header, long fileSize) {
        this.channel = channel;
        this.header = header;
        this.fileSize = fileSize;
        this.clusterSize = header.clusterSize();
        this.clusterBits = header.clusterBits();
        this.clusters = (fileSize + clusterSize - 1) >>> clusterBits;
        this.references = new int[(int) clusters];
        this.stored = new long[(int) clusters];
    }

    /** Checks the image at {@code path}; never throws for what it finds in the image. */
    public static Qcow2CheckResult check(Path path) {
        Qcow2Header header;
        try {
            header = Qcow2Header.read(path);
            header.requireSupported(false);
        } catch (StorageException e) {
            return Qcow2CheckResult.incomplete(e.getMessage());
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (((size + header.clusterSize() - 1) >>> header.clusterBits()) > MAX_CLUSTERS) {
                return Qcow2CheckResult.incomplete("image " + path + " has more than " + MAX_CLUSTERS
                        + " clusters, more than jvirtio checks");
            }
            return new Qcow2Check(channel, header, size).run();
        } catch (IOException e) {
            return Qcow2CheckResult.incomplete("cannot read image " + path + ": " + e.getMessage());
        } catch (CheckAborted e) {
            return Qcow2CheckResult.incomplete(e.getMessage());
        }
    }

    private Qcow2CheckResult run() throws IOException {
        reference(0, clusterSize, "the header");
        long[] refcountTable = table(header.refcountTableOffset(),
                (long) header.refcountTableClusters() * clusterSize / 8, "the refcount table");
        reference(header.refcountTableOffset(), (long) header.refcountTableClusters() * clusterSize, "the refcount table");
        readRefcounts(refcountTable);
        if (header.l1Size() > 0) {
            reference(header.l1TableOffset(), header.l1Size() * 8L, "the L1 table");
        }
        long[] l1 = table(header.l1TableOffset(), header.l1Size(), "the L1 table");
        walkL1(l1, true);
        if (header.snapshotCount() > 0) {
            walkSnapshots();
        }
        if (header.bitmapsConsistent()) {
            // Bitmaps marked inconsistent (autoclear bit clear) are not counted, as qemu-img does.
            walkBitmaps();
        }
        long end = compare();
        long guestClusters = Qcow2Header.ceilDiv(header.virtualSize(), clusterSize);
        return new Qcow2CheckResult(true, null, corruptions, leaks, problems, guestClusters, allocated, fragmented,
                compressed, end);
    }

    private void readRefcounts(long[] table) throws IOException {
        int order = header.refcountOrder();
        long entries = clusterSize * 8 >> order;
        for (int i = 0; i < table.length; i++) {
            long offset = table[i];
            if (offset == 0) {
                continue;
            }
            // qcow2.txt, Refcount table entry: bits 0-8 reserved, the block cluster-aligned.
            if ((offset & REFTABLE_RESERVED) != 0 || offset < 0) {
                corruption("ERROR refcount block " + i + " is not cluster aligned; refcount table entry corrupted");
                continue;
            }
            if (offset >= fileSize) {
                corruption("ERROR refcount block " + i + " is outside image");
                continue;
            }
            reference(offset, clusterSize, "refcount block " + i);
            ByteBuffer block = read(offset, clusterSize);
            for (long j = 0; j < entries; j++) {
                long value = refcount(block, j, order);
                if (value == 0) {
                    continue;
                }
                long cluster = i * entries + j;
                if (cluster < clusters) {
                    stored[(int) cluster] = value;
                }
            }
        }
    }

    private static long refcount(ByteBuffer block, long index, int order) {
        return switch (order) {
            case 6 -> block.getLong((int) (index * 8));
            case 5 -> Integer.toUnsignedLong(block.getInt((int) (index * 4)));
            case 4 -> Short.toUnsignedLong(block.getShort((int) (index * 2)));
            case 3 -> Byte.toUnsignedLong(block.get((int) index));
            default -> {
                int bits = 1 << order;
                long bit = index * bits;
                yield ((block.get((int) (bit / 8)) & 0xff) >>> (bit % 8)) & ((1 << bits) - 1);
            }
        };
    }

    /** Walks an L1 table: the active one checks copied flags and counts allocation. */
    private void walkL1(long[] l1, boolean active) throws IOException {
        long l2Entries = clusterSize / 8;
        long previousHost = -1;
        for (int i = 0; i < l1.length; i++) {
            long offset = l1[i] & OFFSET_MASK;
            if (offset == 0) {
                continue;
            }
            if ((l1[i] & L1_RESERVED) != 0) {
                corruption("ERROR: L1 table entry " + i + " has reserved bits set");
            }
            if (offset % clusterSize != 0) {
                corruption("ERROR: L2 table offset " + hex(offset) + " unaligned (L1 index: " + hex(i) + ")");
                continue;
            }
            if (offset >= fileSize) {
                corruption("ERROR: L2 table offset " + hex(offset) + " past the end of the file (L1 index: " + hex(i) + ")");
                continue;
            }
            reference(offset, clusterSize, "an L2 table");
            if (active) {
                copiedFlag(l1[i], offset, "L2 cluster: l1_index=" + i + " l1_entry=" + hex(l1[i]));
            }
            ByteBuffer l2 = read(offset, clusterSize);
            for (int j = 0; j < l2Entries; j++) {
                long entry = l2.getLong(j * 8);
                long guest = ((long) i * l2Entries + j) << clusterBits;
                previousHost = l2Entry(entry, guest, active, previousHost);
            }
        }
    }

    private long l2Entry(long entry, long guest, boolean active, long previousHost) {
        if ((entry & COMPRESSED) != 0) {
            int shift = 62 - (clusterBits - 8);
            long host = entry & ((1L << shift) - 1);
            long sectors = ((entry >>> shift) & ((1L << (clusterBits - 8)) - 1)) + 1;
            long start = host & ~(long) (SECTOR - 1);
            if ((entry & COPIED) != 0) {
                corruption("ERROR: compressed cluster at guest offset " + hex(guest) + " has the copied flag");
            }
            reference(start, sectors * SECTOR, "a compressed cluster");
            if (active) {
                allocated++;
                compressed++;
            }
            return -1;
        }
        long host = entry & OFFSET_MASK;
        if ((entry & ZERO) != 0 && header.version() == 2) {
            corruption("ERROR: zero cluster at guest offset " + hex(guest) + " in a version 2 image");
        }
        if (host == 0) {
            return previousHost;
        }
        if ((entry & L2_RESERVED) != 0) {
            corruption("ERROR: L2 entry for guest offset " + hex(guest) + " has reserved bits set");
        }
        if (host % clusterSize != 0) {
            corruption("ERROR offset=" + hex(host) + ": Cluster is not properly aligned; L2 entry corrupted.");
            return previousHost;
        }
        reference(host, clusterSize, "a data cluster");
        if (active) {
            allocated++;
            if (previousHost >= 0 && host != previousHost + clusterSize) {
                fragmented++;
            }
            copiedFlag(entry, host, "data cluster: l2_entry=" + hex(entry));
        }
        return host;
    }

    /** qcow2.txt, bit 63 of L1 and L2 entries: set exactly when the refcount is 1. */
    private void copiedFlag(long entry, long host, String what) {
        long cluster = host >>> clusterBits;
        if (cluster >= clusters) {
            return;
        }
        long refcount = stored[(int) cluster];
        if ((refcount == 1) != ((entry & COPIED) != 0)) {
            corruption("ERROR OFLAG_COPIED " + what + " refcount=" + refcount);
        }
    }

    private void walkSnapshots() throws IOException {
        long offset = header.snapshotsOffset();
        long at = offset;
        for (int s = 0; s < header.snapshotCount(); s++) {
            ByteBuffer fixed = read(at, SNAPSHOT_FIXED);
            long l1Offset = fixed.getLong(SNAPSHOT_L1_OFFSET);
            long l1Size = Integer.toUnsignedLong(fixed.getInt(SNAPSHOT_L1_SIZE));
            int idSize = Short.toUnsignedInt(fixed.getShort(SNAPSHOT_ID_SIZE));
            int nameSize = Short.toUnsignedInt(fixed.getShort(SNAPSHOT_NAME_SIZE));
            long extra = Integer.toUnsignedLong(fixed.getInt(SNAPSHOT_EXTRA_SIZE));
            at += alignUp(SNAPSHOT_FIXED + extra + idSize + nameSize, 8);
            if (at > fileSize) {
                throw new CheckAborted("snapshot table entry " + s + " reaches past the end of the file");
            }
            if (l1Size * 8 > MAX_L1_BYTES || l1Offset % clusterSize != 0) {
                corruption("ERROR snapshot " + s + " has an invalid L1 table (offset " + hex(l1Offset) + ", "
                        + l1Size + " entries)");
                continue;
            }
            if (l1Size > 0) {
                reference(l1Offset, l1Size * 8, "a snapshot L1 table");
                walkL1(table(l1Offset, l1Size, "a snapshot L1 table"), false);
            }
        }
        reference(offset, at - offset, "the snapshot table");
    }

    private void walkBitmaps() throws IOException {
        long directory = header.bitmapDirectoryOffset();
        long size = header.bitmapDirectorySize();
        if (size <= 0 || size > MAX_BITMAP_BYTES || size > fileSize || directory % clusterSize != 0 || directory < 0
                || directory > fileSize - size) {
            corruption("ERROR the bitmap directory (offset " + hex(directory) + ", " + size + " bytes) is not inside"
                    + " the image");
            return;
        }
        reference(directory, size, "the bitmap directory");
        ByteBuffer entries = read(directory, size);
        int at = 0;
        for (long b = 0; b < header.bitmapCount() && at + BITMAP_FIXED <= size; b++) {
            long tableOffset = entries.getLong(at + BITMAP_TABLE_OFFSET);
            long tableSize = Integer.toUnsignedLong(entries.getInt(at + BITMAP_TABLE_SIZE));
            int nameSize = Short.toUnsignedInt(entries.getShort(at + BITMAP_NAME_SIZE));
            long extra = Integer.toUnsignedLong(entries.getInt(at + BITMAP_EXTRA_SIZE));
            at += (int) Math.min(size, alignUp(BITMAP_FIXED + extra + nameSize, 8));
            if (tableSize == 0) {
                continue;
            }
            if (tableOffset % clusterSize != 0 || tableOffset < 0 || tableSize * 8 > MAX_BITMAP_BYTES) {
                corruption("ERROR bitmap " + b + " has its table at " + hex(tableOffset) + ", not inside the image");
                continue;
            }
            reference(tableOffset, tableSize * 8, "a bitmap table");
            for (long entry : table(tableOffset, tableSize, "a bitmap table")) {
                long data = entry & OFFSET_MASK;
                if (data != 0) {
                    reference(data, clusterSize, "bitmap data");
                }
            }
        }
    }

    /** Compares references with refcounts; returns the image end offset. */
    private long compare() {
        long last = -1;
        for (int i = 0; i < clusters; i++) {
            long refcount = stored[i];
            long referenced = references[i];
            if (refcount > 0) {
                last = i;
            }
            if (refcount == referenced) {
                continue;
            }
            if (refcount < referenced) {
                corruption("ERROR cluster " + i + " refcount=" + refcount + " reference=" + referenced);
            } else {
                leaks++;
                problem("Leaked cluster " + i + " refcount=" + refcount + " reference=" + referenced);
            }
        }
        // Refcounts of clusters past the end of the file (a crash between raising a refcount and
        // writing the cluster leaves them) are not leaks yet, as qemu-img counts: the file ends first.
        return (last + 1) << clusterBits;
    }

    /** Counts one reference to every cluster of {@code [offset, offset + length)}. */
    private void reference(long offset, long length, String what) {
        if (length <= 0) {
            return;
        }
        if (offset < 0 || offset >= fileSize) {
            corruption("ERROR " + what + " at " + hex(offset) + " (" + length + " bytes) is outside the image");
            return;
        }
        // A range may end past the end of the file (the file's last cluster need not be complete).
        long end = Math.min(fileSize, offset + Math.min(length, fileSize));
        for (long c = offset >>> clusterBits; c <= (end - 1) >>> clusterBits; c++) {
            references[(int) c]++;
        }
    }

    private long[] table(long offset, long entries, String what) throws IOException {
        if (entries == 0) {
            return new long[0];
        }
        if (offset < 0 || entries * 8 > fileSize || offset > fileSize - entries * 8) {
            throw new CheckAborted(what + " at " + hex(offset) + " (" + entries + " entries) reaches past the end of"
                    + " the image at " + fileSize + " bytes");
        }
        ByteBuffer bytes = read(offset, entries * 8);
        long[] table = new long[(int) entries];
        for (int i = 0; i < entries; i++) {
            table[i] = bytes.getLong(i * 8);
        }
        return table;
    }

    /** Reads bytes at a checked range; past the end of the file they read as zeroes. */
    private ByteBuffer read(long offset, long length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) length).order(ByteOrder.BIG_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.clear();
    }

    private void corruption(String line) {
        corruptions++;
        problem(line);
    }

    private void problem(String line) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(line);
        }
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value).toLowerCase(Locale.ROOT);
    }

    /** The metadata is too broken to walk further. */
    private static final class CheckAborted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CheckAborted(String message) {
            super(message);
        }
    }
}
