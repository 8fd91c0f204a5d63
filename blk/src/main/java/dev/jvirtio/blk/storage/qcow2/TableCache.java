package dev.jvirtio.blk.storage.qcow2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded, least-recently-used cache of cluster-sized tables (L2 tables or refcount blocks) by
 * their host offset. Tables are written through by their owners, so the cache never holds changes
 * that are not on disk and evicting a table costs nothing.
 *
 * <p>Thread-safety: {@link #get} may be called by several readers at once. A table returned stays
 * valid after eviction (evicted tables are dropped, never reused); its contents change only while
 * the owner holds its exclusive lock, through {@link #commit}.
 */
final class TableCache {

    private final HostFile file;
    private final int tableBytes;
    private final LinkedHashMap<Long, MemorySegment> tables;
    private long misses;

    TableCache(HostFile file, int tableBytes, long capacityBytes) {
        this.file = file;
        this.tableBytes = tableBytes;
        int capacity = (int) Math.max(2, Math.min(1 << 20, capacityBytes / tableBytes));
        this.tables = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, MemorySegment> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The table at {@code offset}, read from the file unless cached. */
    synchronized MemorySegment get(long offset) {
        MemorySegment table = tables.get(offset);
        if (table == null) {
            table = HostFile.allocate(Arena.ofAuto(), tableBytes);
            file.read(offset, table);
            tables.put(offset, table);
            misses++;
        }
        return table;
    }

    /** Caches a table this process has just written in full at {@code offset}. */
    synchronized void put(long offset, MemorySegment table) {
        tables.put(offset, table);
    }

    /**
     * Writes {@code block}, a copy of {@code [from, from + block.byteSize())} of the table at
     * {@code offset} with changes, to the file and then into the cached table.
     */
    void commit(long offset, long from, MemorySegment block) {
        file.write(offset + from, block);
        synchronized (this) {
            MemorySegment table = tables.get(offset);
            if (table != null) {
                table.asSlice(from, block.byteSize()).copyFrom(block);
            }
        }
    }

    /** Forgets the table at {@code offset}. */
    synchronized void remove(long offset) {
        tables.remove(offset);
    }

    /** Forgets every table (after a failure left the file's contents uncertain). */
    synchronized void clear() {
        tables.clear();
    }

    /** How many tables had to be read from the file. */
    synchronized long misses() {
        return misses;
    }
}
