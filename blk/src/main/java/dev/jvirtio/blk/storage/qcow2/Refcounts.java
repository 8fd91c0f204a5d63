package dev.jvirtio.blk.storage.qcow2;

import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.alignUp;

import dev.jvirtio.blk.storage.StorageException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The image's host cluster reference counts (qcow2.txt, Host cluster management): a refcount table
 * kept in memory, refcount blocks in a {@link TableCache}, and the allocator that finds free
 * clusters, creates refcount blocks and grows the table.
 *
 * <p>Every change is written through at once and in an order that keeps the image consistent if
 * the process or host stops between two writes: a refcount rises before anything points at its
 * cluster (callers must issue a {@link HostFile#barrier()} before publishing the pointer), a new
 * refcount block is complete before the table points at it, and a new refcount table is complete
 * before the header points at it. A crash can leak clusters, never leave a used cluster counted as
 * free.
 *
 * <p>Thread-safety: {@link #get} may run concurrently with itself; everything else needs the
 * owner's exclusive lock.
 */
final class Refcounts {

    static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** qcow2.txt, Cluster mapping: host offsets live in bits 9-55. */
    private static final long MAX_HOST_OFFSET = 1L << 56;

    /** Writes the refcount table's new offset and size into the image header. */
    interface HeaderUpdate {
        void refcountTableMoved(long offset, int clusters);
    }

    private final HostFile file;
    private final String name;
    private final int clusterBits;
    private final long clusterSize;
    private final int refcountOrder;
    private final int blockBits;
    private final long maxRefcount;
    private final TableCache blocks;
    private final MetadataMap metadata;
    private final HeaderUpdate header;
    private final Function<String, StorageException> corruption;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    /** No free cluster lies below this cluster index. */
    private long freeHint;
    /** No cluster at or past this index is in use, as far as this process knows. */
    private long endCluster;

    Refcounts(HostFile file, Qcow2Header h, long[] table, TableCache blocks, MetadataMap metadata, HeaderUpdate header,
            Function<String, StorageException> corruption) {
        this.file = file;
        this.name = file.name();
        this.clusterBits = h.clusterBits();
        this.clusterSize = h.clusterSize();
        this.refcountOrder = h.refcountOrder();
        // refcount_block_entries = cluster_size * 8 / refcount_bits
        this.blockBits = clusterBits + 3 - refcountOrder;
        this.maxRefcount = refcountOrder == 6 ? Long.MAX_VALUE : (1L << (1 << refcountOrder)) - 1;
        this.blocks = blocks;
        this.metadata = metadata;
        this.header = header;
        this.corruption = corruption;
        this.table = table;
        this.tableOffset = h.refcountTableOffset();
        this.tableClusters = h.refcountTableClusters();
        this.endCluster = clusterIndexCeil(file.size());
    }

    /** The refcount of the host cluster with index {@code cluster}. */
    long get(long cluster) {
        long index = cluster >>> blockBits;
        if (index >= table.length) {
            return 0;
        }
        long blockOffset = blockOffset(index);
        if (blockOffset == 0) {
            return 0;
        }
        return entry(blocks.get(blockOffset), (int) (cluster & ((1L << blockBits) - 1)));
    }

    /**
     * Allocates one free cluster, sets its refcount to 1 and returns its host offset. The cluster
     * may lie past the end of the file; writing it extends the file.
     */
    long allocate() {
        while (true) {
            long cluster = findFree(freeHint);
            if (ensureBlock(cluster)) {
                continue;
            }
            long offset = cluster << clusterBits;
            if (metadata.kindAt(offset).isPresent()) {
                throw corruption.apply("cluster " + offset + " holds " + metadata.kindAt(offset).get().description
                        + " but its refcount is 0");
            }
            set(cluster, 1);
            freeHint = cluster + 1;
            endCluster = Math.max(endCluster, cluster + 1);
            return offset;
        }
    }

    /** Lowers the refcount of the cluster holding {@code offset} by one. */
    void release(long offset) {
        long cluster = offset >>> clusterBits;
        long value = get(cluster);
        if (value == 0) {
            throw corruption.apply("cluster " + (cluster << clusterBits) + " is referenced but its refcount is 0");
        }
        set(cluster, value - 1);
        if (value == 1) {
            freeHint = Math.min(freeHint, cluster);
        }
    }

    /** The number of cluster indices the refcount table covers with blocks or could cover. */
    long endCluster() {
        return endCluster;
    }

    private long findFree(long from) {
        long cluster = Math.max(from, 1);
        long limit = MAX_HOST_OFFSET >>> clusterBits;
        while (cluster < limit) {
            long index = cluster >>> blockBits;
            if (index >= table.length || blockOffset(index) == 0) {
                return cluster;
            }
            MemorySegment block = blocks.get(blockOffset(index));
            int entries = 1 << blockBits;
            for (int i = (int) (cluster & (entries - 1)); i < entries; i++) {
                if (entry(block, i) == 0) {
                    return (index << blockBits) + i;
                }
            }
            cluster = (index + 1) << blockBits;
        }
        throw new StorageException(name + " has no free cluster below the qcow2 limit of 64 PiB");
    }

    private long blockOffset(long index) {
        long entry = table[(int) index];
        long offset = entry & ~Qcow2Layout.REFTABLE_RESERVED;
        if (offset == 0) {
            return 0;
        }
        // qcow2.txt, Refcount table entry: bits 0-8 are reserved, the block is cluster-aligned.
        if ((entry & Qcow2Layout.REFTABLE_RESERVED) != 0 || offset < 0 || offset % clusterSize != 0) {
            throw corruption.apply("refcount table entry " + index + " (" + Long.toHexString(entry)
                    + ") is not a cluster-aligned offset");
        }
        if (offset >= file.size()) {
            throw corruption.apply("refcount block " + index + " at " + offset + " lies past the end of the file at "
                    + file.size());
        }
        return offset;
    }

    private void set(long cluster, long value) {
        if (value < 0 || value > maxRefcount) {
            throw corruption.apply("the refcount of cluster " + (cluster << clusterBits) + " would overflow its "
                    + (1 << refcountOrder) + " bits");
        }
        long index = cluster >>> blockBits;
        long blockOffset = blockOffset(index);
        MemorySegment block = blocks.get(blockOffset);
        writeEntries(blockOffset, block, new long[] {cluster & ((1L << blockBits) - 1)}, value);
    }

    /** Sets entries of a cached block to {@code value} and writes the metadata blocks that hold them. */
    private void writeEntries(long blockOffset, MemorySegment block, long[] indices, long value) {
        int unit = file.metadataBlock();
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (long i : indices) {
            long bit = i << refcountOrder;
            lo = Math.min(lo, bit / 8);
            hi = Math.max(hi, (bit + (1L << refcountOrder) + 7) / 8);
        }
        long from = lo - lo % unit;
        long to = Math.min(clusterSize, alignUp(hi, unit));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = HostFile.allocate(arena, to - from).asSlice(0, to - from);
            copy.copyFrom(block.asSlice(from, to - from));
            for (long i : indices) {
                setEntry(copy, i, value, from);
            }
            blocks.commit(blockOffset, from, copy);
        }
    }

    /** The refcount at {@code index} of a block (qcow2.txt, Refcount block entry). */
    long entry(MemorySegment block, long index) {
        return switch (refcountOrder) {
            case 6 -> block.get(BE_LONG, index * 8);
            case 5 -> Integer.toUnsignedLong(block.get(BE_INT, index * 4));
            case 4 -> Short.toUnsignedLong(block.get(BE_SHORT, index * 2));
            case 3 -> Byte.toUnsignedLong(block.get(ValueLayout.JAVA_BYTE, index));
            default -> {
                // Sub-byte widths: bit 0 is the least significant bit of the byte.
                int bits = 1 << refcountOrder;
                long bit = index * bits;
                int b = block.get(ValueLayout.JAVA_BYTE, bit / 8) & 0xff;
                yield (b >>> (bit % 8)) & ((1 << bits) - 1);
            }
        };
    }

    private void setEntry(MemorySegment copy, long index, long value, long base) {
        switch (refcountOrder) {
            case 6 -> copy.set(BE_LONG, index * 8 - base, value);
            case 5 -> copy.set(BE_INT, index * 4 - base, (int) value);
            case 4 -> copy.set(BE_SHORT, index * 2 - base, (short) value);
            case 3 -> copy.set(ValueLayout.JAVA_BYTE, index - base, (byte) value);
            default -> {
                int bits = 1 << refcountOrder;
                long bit = index * bits;
                long at = bit / 8 - base;
                int shift = (int) (bit % 8);
                int mask = ((1 << bits) - 1) << shift;
                int b = copy.get(ValueLayout.JAVA_BYTE, at) & 0xff;
                copy.set(ValueLayout.JAVA_BYTE, at, (byte) ((b & ~mask) | (((int) value << shift) & mask)));
            }
        }
    }

    /**
     * Makes sure a refcount block covers {@code cluster}. Returns false if one already does; true if
     * it created one (and perhaps a larger refcount table), which used clusters, so the caller must
     * search for a free cluster again.
     */
    private boolean ensureBlock(long cluster) {
        long index = cluster >>> blockBits;
        if (index < table.length && blockOffset(index) != 0) {
            return false;
        }
        createArea(index);
        return true;
    }

    /**
     * Appends a refcount area after every used cluster: new refcount blocks (for {@code needed} and
     * for the area itself) and, if the table is too small for them, a new refcount table. The area's
     * own clusters are counted in the blocks written, which are complete before anything points at
     * them.
     */
    private void createArea(long needed) {
        long start = Math.max(endCluster, clusterIndexCeil(file.size()));
        TreeSet<Long> newBlocks = new TreeSet<>();
        newBlocks.add(needed);
        long newTableClusters = 0;
        while (true) {
            long areaEnd = start + newBlocks.size() + newTableClusters;
            for (long i = start >>> blockBits; i <= (areaEnd - 1) >>> blockBits; i++) {
                if (i >= table.length || blockOffset(i) == 0) {
                    newBlocks.add(i);
                }
            }
            long entriesNeeded = newBlocks.last() + 1;
            long clustersNeeded = 0;
            if (entriesNeeded > table.length) {
                long entries = Math.max(entriesNeeded, table.length + table.length / 2 + 1);
                clustersNeeded = alignUp(entries * 8, clusterSize) / clusterSize;
                if (clustersNeeded * clusterSize > Qcow2Layout.MAX_REFCOUNT_TABLE_BYTES) {
                    throw new StorageException(name + " would need a refcount table larger than "
                            + (Qcow2Layout.MAX_REFCOUNT_TABLE_BYTES >> 20) + " MiB to grow further");
                }
            }
            if (clustersNeeded == newTableClusters && start + newBlocks.size() + newTableClusters == areaEnd) {
                break;
            }
            newTableClusters = clustersNeeded;
        }
        long areaEnd = start + newBlocks.size() + newTableClusters;
        if (areaEnd >= MAX_HOST_OFFSET >>> clusterBits) {
            throw new StorageException(name + " has no room for refcount blocks below the qcow2 limit of 64 PiB");
        }
        // Area clusters covered by blocks that already exist get their refcount there first.
        for (long c = start; c < areaEnd; c++) {
            long i = c >>> blockBits;
            if (!newBlocks.contains(i)) {
                set(c, 1);
            }
        }
        long[] blockOffsets = new long[newBlocks.size()];
        int k = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (long i : newBlocks) {
                long offset = (start + k) << clusterBits;
                MemorySegment block = HostFile.allocate(Arena.ofAuto(), clusterSize).asSlice(0, clusterSize);
                for (long c = start; c < areaEnd; c++) {
                    if (c >>> blockBits == i) {
                        setEntry(block, c & ((1L << blockBits) - 1), 1, 0);
                    }
                }
                file.write(offset, block);
                blocks.put(offset, block);
                metadata.add(offset, MetadataMap.Kind.REFCOUNT_BLOCK);
                blockOffsets[k++] = offset;
            }
            file.barrier();
            if (newTableClusters == 0) {
                k = 0;
                for (long i : newBlocks) {
                    writeTableEntry(arena, i, blockOffsets[k++]);
                }
            } else {
                moveTable(arena, newBlocks, blockOffsets, (start + newBlocks.size()) << clusterBits,
                        (int) newTableClusters);
            }
        }
        endCluster = Math.max(endCluster, areaEnd);
    }

    private void writeTableEntry(Arena arena, long index, long blockOffset) {
        int unit = file.metadataBlock();
        long at = tableOffset + index * 8;
        long from = at - at % unit;
        MemorySegment block = HostFile.allocate(arena, unit).asSlice(0, unit);
        file.read(from, block);
        block.set(BE_LONG, at - from, blockOffset);
        file.write(from, block);
        table[(int) index] = blockOffset;
    }

    private void moveTable(Arena arena, TreeSet<Long> newBlocks, long[] blockOffsets, long newOffset, int clusters) {
        long[] grown = Arrays.copyOf(table, (int) (clusters * clusterSize / 8));
        int k = 0;
        for (long i : newBlocks) {
            grown[(int) i] = blockOffsets[k++];
        }
        MemorySegment content = HostFile.allocate(arena, clusters * clusterSize).asSlice(0, clusters * clusterSize);
        for (int i = 0; i < grown.length; i++) {
            content.set(BE_LONG, i * 8L, grown[i]);
        }
        file.write(newOffset, content);
        file.barrier();
        header.refcountTableMoved(newOffset, clusters);
        file.barrier();
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = grown;
        tableOffset = newOffset;
        tableClusters = clusters;
        metadata.moveRefcountTable(newOffset, newOffset + (long) clusters * clusterSize);
        for (int c = 0; c < oldClusters; c++) {
            release(oldOffset + c * clusterSize);
        }
    }

    private long clusterIndexCeil(long bytes) {
        return (bytes + clusterSize - 1) >>> clusterBits;
    }
}
