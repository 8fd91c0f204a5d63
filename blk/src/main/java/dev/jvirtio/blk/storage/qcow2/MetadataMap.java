package dev.jvirtio.blk.storage.qcow2;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which host clusters hold the image's own metadata (header, L1 table, refcount table, refcount
 * blocks, L2 tables), so that no guest data is ever written over them, whatever the tables say
 * (QEMU's "overlap check"). Built from the active L1 table and the refcount table at open; new
 * tables are added as they are allocated.
 *
 * <p>Thread-safety: reads may run concurrently; changes need the owner's exclusive lock.
 */
final class MetadataMap {

    enum Kind {
        HEADER("the header"), L1("the L1 table"), REFCOUNT_TABLE("the refcount table"),
        REFCOUNT_BLOCK("a refcount block"), L2("an L2 table");

        final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    private static final int KIND_BITS = 3;

    private final long clusterSize;
    private final long l1Start;
    private final long l1End;
    private long tableStart;
    private long tableEnd;
    /** Cluster offsets of L2 tables and refcount blocks found at open, sorted, kind ordinal in the low bits. */
    private final long[] tables;
    private final Map<Long, Kind> added = new HashMap<>();
    private final String conflict;

    private MetadataMap(long clusterSize, long l1Start, long l1End, long tableStart, long tableEnd, long[] tables,
            String conflict) {
        this.clusterSize = clusterSize;
        this.l1Start = l1Start;
        this.l1End = l1End;
        this.tableStart = tableStart;
        this.tableEnd = tableEnd;
        this.tables = tables;
        this.conflict = conflict;
    }

    /**
     * The map of an image whose L1 and refcount tables are given; L2 tables and refcount blocks are
     * the non-zero, cluster-aligned offsets in them. Entries that are not cluster-aligned are left
     * out (using them fails later).
     */
    static MetadataMap build(long clusterSize, long l1Offset, long[] l1, long tableOffset, long[] refcountTable) {
        long l1End = l1Offset + Qcow2Layout.alignUp(l1.length * 8L, clusterSize);
        long tableEnd = tableOffset + Qcow2Layout.alignUp(refcountTable.length * 8L, clusterSize);
        long[] found = new long[l1.length + refcountTable.length];
        int n = 0;
        for (long entry : l1) {
            long offset = entry & Qcow2Layout.OFFSET_MASK;
            if (offset != 0 && offset % clusterSize == 0) {
                found[n++] = offset | Kind.L2.ordinal();
            }
        }
        for (long entry : refcountTable) {
            long offset = entry & ~Qcow2Layout.REFTABLE_RESERVED;
            if (offset > 0 && offset % clusterSize == 0) {
                found[n++] = offset | Kind.REFCOUNT_BLOCK.ordinal();
            }
        }
        long[] sorted = Arrays.copyOf(found, n);
        Arrays.sort(sorted);
        String conflict = null;
        if (l1.length > 0 && overlaps(l1Offset, l1End, tableOffset, tableEnd)) {
            conflict = "the L1 table at " + l1Offset + " overlaps the refcount table at " + tableOffset;
        }
        for (int i = 0; i < sorted.length && conflict == null; i++) {
            long offset = sorted[i] & ~((1L << KIND_BITS) - 1);
            Kind kind = Kind.values()[(int) (sorted[i] & ((1L << KIND_BITS) - 1))];
            if (i > 0 && (sorted[i - 1] & ~((1L << KIND_BITS) - 1)) == offset) {
                Kind other = Kind.values()[(int) (sorted[i - 1] & ((1L << KIND_BITS) - 1))];
                conflict = "cluster " + offset + " is used as both " + other.description + " and " + kind.description;
            } else if (offset < clusterSize || (offset >= l1Start(l1, l1Offset) && offset < l1End)
                    || (offset >= tableOffset && offset < tableEnd)) {
                conflict = kind.description + " at " + offset + " overlaps the header, the L1 table or the refcount table";
            }
        }
        return new MetadataMap(clusterSize, l1.length == 0 ? 0 : l1Offset, l1.length == 0 ? 0 : l1End, tableOffset,
                tableEnd, sorted, conflict);
    }

    private static long l1Start(long[] l1, long l1Offset) {
        return l1.length == 0 ? Long.MAX_VALUE : l1Offset;
    }

    private static boolean overlaps(long aStart, long aEnd, long bStart, long bEnd) {
        return aStart < bEnd && bStart < aEnd;
    }

    /** The first inconsistency found at build: two roles for one cluster, or a table over the header. */
    Optional<String> conflict() {
        return Optional.ofNullable(conflict);
    }

    /** What metadata the cluster at {@code offset} holds, or empty for a data cluster. */
    Optional<Kind> kindAt(long offset) {
        long cluster = offset - Math.floorMod(offset, clusterSize);
        if (cluster < clusterSize) {
            return Optional.of(Kind.HEADER);
        }
        if (cluster >= l1Start && cluster < l1End) {
            return Optional.of(Kind.L1);
        }
        if (cluster >= tableStart && cluster < tableEnd) {
            return Optional.of(Kind.REFCOUNT_TABLE);
        }
        int i = Arrays.binarySearch(tables, cluster);
        if (i < 0) {
            int insertion = -i - 1;
            if (insertion < tables.length && (tables[insertion] & ~((1L << KIND_BITS) - 1)) == cluster) {
                return Optional.of(Kind.values()[(int) (tables[insertion] & ((1L << KIND_BITS) - 1))]);
            }
        }
        return Optional.ofNullable(added.get(cluster));
    }

    /** Records a newly allocated L2 table or refcount block. */
    void add(long offset, Kind kind) {
        added.put(offset, kind);
    }

    /** Records that the refcount table moved. */
    void moveRefcountTable(long start, long end) {
        tableStart = start;
        tableEnd = end;
    }
}
