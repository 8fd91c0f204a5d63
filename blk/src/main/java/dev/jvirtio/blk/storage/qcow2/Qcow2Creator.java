package dev.jvirtio.blk.storage.qcow2;

import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.*;

import dev.jvirtio.blk.storage.Preallocation;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.linux.DirectFile;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.OpenFlag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Creates qcow2 images: the header (with QEMU's feature name table when it fits, and the backing
 * format), one refcount table and the refcount blocks that cover the image, and the L1 table; with
 * preallocation also every L2 table and a data cluster for every guest cluster. The layout is
 * computed in full before anything is written, so the new image is consistent from its first byte:
 * {@code header | refcount table | refcount blocks | L1 table | L2 tables | data}.
 */
public final class Qcow2Creator {

    private static final int FULL_CHUNK = 1 << 20;
    private static final String[][] FEATURES = {
        {"0", "0", "dirty bit"}, {"0", "1", "corrupt bit"}, {"0", "2", "external data file"},
        {"0", "3", "compression type"}, {"0", "4", "extended L2 entries"}, {"1", "0", "lazy refcounts"},
        {"2", "0", "bitmaps"}, {"2", "1", "raw external data"}};

    private Qcow2Creator() {
    }

    /**
     * Creates a new qcow2 image at {@code path} of {@code virtualSize} bytes.
     *
     * @throws StorageException with one sentence naming the path if it exists, cannot be written,
     *     or the size is too large for the cluster size
     */
    public static void create(Path path, long virtualSize, Qcow2CreateOptions options) {
        if (virtualSize < 0) {
            throw new StorageException("cannot create image " + path + " with a negative size " + virtualSize);
        }
        Layout layout = Layout.of(path, virtualSize, options);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                write(channel, layout, options, virtualSize, path);
                channel.force(true);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(path);
                throw e;
            }
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("image " + path + " already exists; remove it first or choose another name", e);
        } catch (IOException e) {
            throw new StorageException("cannot create image " + path + ": " + e.getMessage(), e);
        }
        if (options.preallocation() == Preallocation.FALLOC && layout.dataClusters > 0) {
            try (DirectFile file = DirectFile.open(path, OpenFlag.WRITE)) {
                file.fallocate(0, layout.dataStart * layout.clusterSize, layout.dataClusters * layout.clusterSize);
            } catch (LinuxException e) {
                throw new StorageException("cannot reserve space for image " + path + ": " + e.getMessage(), e);
            }
        }
    }

    private static void write(FileChannel channel, Layout layout, Qcow2CreateOptions options, long virtualSize, Path path)
            throws IOException {
        long c = layout.clusterSize;
        writeAt(channel, header(layout, options, virtualSize, path), 0);
        // Refcount table: block k lives in cluster refcountBlocksStart + k.
        ByteBuffer table = buffer(layout.refcountTableClusters * c);
        for (long k = 0; k < layout.refcountBlocks; k++) {
            table.putLong((int) (k * 8), (layout.refcountBlocksStart + k) * c);
        }
        writeAt(channel, table, layout.refcountTableStart * c);
        // Refcount blocks: every cluster of the layout is used once.
        long entries = c * 8 >> options.refcountOrder();
        for (long k = 0; k < layout.refcountBlocks; k++) {
            ByteBuffer block = buffer(c);
            long firstCluster = k * entries;
            long used = Math.min(entries, layout.totalClusters - firstCluster);
            for (long i = 0; i < used; i++) {
                setRefcountOne(block, i, options.refcountOrder());
            }
            writeAt(channel, block, (layout.refcountBlocksStart + k) * c);
        }
        // L1 table, then the L2 tables and data clusters when preallocating.
        if (layout.l1Entries > 0) {
            ByteBuffer l1 = buffer(layout.l1Clusters * c);
            for (long i = 0; i < layout.l2Tables; i++) {
                l1.putLong((int) (i * 8), ((layout.l2Start + i) * c) | COPIED);
            }
            writeAt(channel, l1, layout.l1Start * c);
        }
        long l2Entries = c / 8;
        for (long t = 0; t < layout.l2Tables; t++) {
            ByteBuffer l2 = buffer(c);
            for (long i = 0; i < l2Entries; i++) {
                long guestCluster = t * l2Entries + i;
                if (guestCluster >= layout.dataClusters) {
                    break;
                }
                l2.putLong((int) (i * 8), ((layout.dataStart + guestCluster) * c) | COPIED);
            }
            writeAt(channel, l2, (layout.l2Start + t) * c);
        }
        if (options.preallocation() == Preallocation.FULL) {
            ByteBuffer zeroes = ByteBuffer.allocateDirect(FULL_CHUNK);
            long start = layout.dataStart * c;
            long end = start + layout.dataClusters * c;
            for (long at = start; at < end; at += FULL_CHUNK) {
                writeAt(channel, zeroes.clear().limit((int) Math.min(FULL_CHUNK, end - at)), at);
            }
        }
        long fileLength = layout.totalClusters * c;
        if (channel.size() < fileLength) {
            // The file ends with its last cluster, even where that cluster is sparse.
            writeAt(channel, ByteBuffer.allocate(1), fileLength - 1);
        }
    }

    private static ByteBuffer header(Layout layout, Qcow2CreateOptions options, long virtualSize, Path path) {
        int c = (int) layout.clusterSize;
        ByteBuffer h = buffer(c);
        h.putInt(MAGIC_OFFSET, MAGIC);
        h.putInt(VERSION, options.version());
        h.putInt(CLUSTER_BITS, Integer.numberOfTrailingZeros(c));
        h.putLong(SIZE, virtualSize);
        h.putInt(L1_SIZE, (int) layout.l1Entries);
        h.putLong(L1_TABLE_OFFSET, layout.l1Entries == 0 ? 0 : layout.l1Start * c);
        h.putLong(REFCOUNT_TABLE_OFFSET, layout.refcountTableStart * c);
        h.putInt(REFCOUNT_TABLE_CLUSTERS, (int) layout.refcountTableClusters);
        int at = V2_HEADER_LENGTH;
        if (options.version() == 3) {
            h.putInt(REFCOUNT_ORDER, options.refcountOrder());
            h.putInt(HEADER_LENGTH, V3_HEADER_LENGTH);
            at = V3_HEADER_LENGTH;
        }
        byte[] backingName = options.backingFile() == null ? new byte[0]
                : options.backingFile().getBytes(StandardCharsets.UTF_8);
        byte[] format = options.backingFormat() == null ? new byte[0]
                : options.backingFormat().getBytes(StandardCharsets.UTF_8);
        int formatExtension = format.length == 0 ? 0 : 8 + (int) alignUp(format.length, 8);
        int featureExtension = 8 + FEATURES.length * FEATURE_ENTRY;
        boolean features = options.version() == 3
                && at + formatExtension + featureExtension + 8 + backingName.length <= c;
        if (at + formatExtension + 8 + backingName.length > c) {
            throw new StorageException("cannot create image " + path + ": its backing file name does not fit in a "
                    + c + "-byte header cluster; choose a larger cluster size or a shorter name");
        }
        if (format.length > 0) {
            h.putInt(at, EXT_BACKING_FORMAT).putInt(at + 4, format.length).put(at + 8, format);
            at += formatExtension;
        }
        if (features) {
            h.putInt(at, EXT_FEATURE_TABLE).putInt(at + 4, FEATURES.length * FEATURE_ENTRY);
            for (int i = 0; i < FEATURES.length; i++) {
                int entry = at + 8 + i * FEATURE_ENTRY;
                h.put(entry, (byte) Integer.parseInt(FEATURES[i][0]));
                h.put(entry + 1, (byte) Integer.parseInt(FEATURES[i][1]));
                h.put(entry + 2, FEATURES[i][2].getBytes(StandardCharsets.US_ASCII));
            }
            at += featureExtension;
        }
        at += 8; // End of the header extension area (type 0, length 0).
        if (backingName.length > 0) {
            h.put(at, backingName);
            h.putLong(BACKING_FILE_OFFSET, at);
            h.putInt(BACKING_FILE_SIZE, backingName.length);
        }
        return h;
    }

    private static void setRefcountOne(ByteBuffer block, long index, int order) {
        switch (order) {
            case 6 -> block.putLong((int) (index * 8), 1);
            case 5 -> block.putInt((int) (index * 4), 1);
            case 4 -> block.putShort((int) (index * 2), (short) 1);
            case 3 -> block.put((int) index, (byte) 1);
            default -> {
                long bit = index << order;
                int at = (int) (bit / 8);
                block.put(at, (byte) (block.get(at) | (1 << (bit % 8))));
            }
        }
    }

    private static ByteBuffer buffer(long bytes) {
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.BIG_ENDIAN);
    }

    private static void writeAt(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        buffer.position(0);
        long at = offset;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    /** Where everything goes, in clusters. */
    private static final class Layout {
        long clusterSize;
        long refcountTableStart;
        long refcountTableClusters;
        long refcountBlocksStart;
        long refcountBlocks;
        long l1Start;
        long l1Entries;
        long l1Clusters;
        long l2Start;
        long l2Tables;
        long dataStart;
        long dataClusters;
        long totalClusters;

        static Layout of(Path path, long virtualSize, Qcow2CreateOptions options) {
            Layout l = new Layout();
            long c = options.clusterSize();
            l.clusterSize = c;
            long l2Entries = c / 8;
            long guestClusters = Qcow2Header.ceilDiv(virtualSize, c);
            l.l1Entries = Qcow2Header.ceilDiv(guestClusters, l2Entries);
            if (l.l1Entries * 8 > MAX_L1_BYTES) {
                throw new StorageException("cannot create image " + path + ": " + virtualSize + " bytes need an L1 table"
                        + " larger than " + (MAX_L1_BYTES >> 20) + " MiB with " + c + "-byte clusters; choose larger clusters");
            }
            l.l1Clusters = Qcow2Header.ceilDiv(l.l1Entries * 8, c);
            boolean mapped = options.preallocation() != Preallocation.OFF;
            l.l2Tables = mapped ? l.l1Entries : 0;
            l.dataClusters = mapped ? guestClusters : 0;
            long refcountEntries = c * 8 >> options.refcountOrder();
            long fixed = 1 + l.l1Clusters + l.l2Tables + l.dataClusters;
            long tableClusters = 1;
            long blocks = 1;
            while (true) {
                long total = fixed + tableClusters + blocks;
                long needBlocks = Qcow2Header.ceilDiv(total, refcountEntries);
                long needTable = Math.max(1, Qcow2Header.ceilDiv(needBlocks * 8, c));
                if (needBlocks == blocks && needTable == tableClusters) {
                    break;
                }
                blocks = needBlocks;
                tableClusters = needTable;
            }
            if (tableClusters * c > MAX_REFCOUNT_TABLE_BYTES) {
                throw new StorageException("cannot create image " + path + ": preallocating " + virtualSize
                        + " bytes needs a refcount table larger than " + (MAX_REFCOUNT_TABLE_BYTES >> 20)
                        + " MiB with " + c + "-byte clusters; choose larger clusters");
            }
            l.refcountTableStart = 1;
            l.refcountTableClusters = tableClusters;
            l.refcountBlocksStart = l.refcountTableStart + tableClusters;
            l.refcountBlocks = blocks;
            l.l1Start = l.refcountBlocksStart + blocks;
            l.l2Start = l.l1Start + l.l1Clusters;
            l.dataStart = l.l2Start + l.l2Tables;
            l.totalClusters = l.dataStart + l.dataClusters;
            return l;
        }
    }
}
