package dev.jvirtio.blk.storage.qcow2;

import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.AUTOCLEAR_FEATURES;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.COMPRESSED;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.COPIED;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.INCOMPATIBLE_FEATURES;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.INCOMPAT_CORRUPT;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.OFFSET_MASK;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.REFCOUNT_TABLE_CLUSTERS;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.REFCOUNT_TABLE_OFFSET;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.SECTOR;
import static dev.jvirtio.blk.storage.qcow2.Qcow2Layout.ZERO;
import static dev.jvirtio.blk.storage.qcow2.Refcounts.BE_LONG;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageCounters;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.StorageRange;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A qcow2 image (QEMU {@code docs/interop/qcow2.txt}) served as a {@link Storage}: versions 2 and
 * 3, read and written.
 *
 * <p>What it implements: the header and its extensions (backing format, feature names; unknown
 * incompatible features are refused by name); L1 and L2 tables with a bounded L2 cache; refcounts of
 * every width (refcount orders 0 to 6) with new refcount blocks and a growing refcount table;
 * cluster allocation at the first free cluster, with copy-on-write of partly written clusters from
 * the backing file, zeroes, an old cluster or compressed data; zero clusters (version 3); discard,
 * which frees clusters and punches holes in the file; compressed clusters (deflate) for reading;
 * backing files of any depth, raw or qcow2, with relative names resolved against the image's
 * directory. Discard and write-zeroes both leave their range reading as zeroes.
 *
 * <p>What it refuses, with one sentence naming the image: encryption, external data files, zstd
 * compression, extended L2 entries, and writing to an image that is marked corrupt, has the dirty
 * bit set (lazy refcounts that were not written back), has internal snapshots or has consistent
 * persistent bitmaps (those open read-only; writing would invalidate the bitmaps). Metadata that points outside the file, is misaligned or overlaps other metadata is
 * reported as corruption; an image opened for writing is then marked corrupt and refuses further
 * writes, as QEMU does. Guest data is never written over the image's own metadata.
 *
 * <p>Crash safety: metadata is written through, ordered with write barriers ({@code fdatasync}) so
 * that a refcount is raised before anything points at its cluster, data and new tables are written
 * before the pointers that publish them, and a pointer is removed before its cluster's refcount
 * drops. A crash can leak clusters (which {@code qemu-img check -r leaks} reclaims) but never makes
 * the image point at a cluster that is counted as free. Cache mode unsafe skips the barriers, as it
 * skips flushes; in writethrough and directsync every write is synced anyway.
 *
 * <p>Thread-safety: as {@link Storage} says. Reads, and writes into clusters that are already
 * allocated, run concurrently; allocation, discard and write-zeroes take an exclusive lock.
 */
public final class Qcow2Storage implements Storage {

    /** Longest backing chain followed. */
    static final int MAX_BACKING_DEPTH = 256;

    private enum ClusterKind { UNALLOCATED, ZERO_PLAIN, ZERO_ALLOC, NORMAL, COMPRESSED }

    private final Path path;
    private final String name;
    private final HostFile file;
    private final Qcow2Header header;
    private final CacheMode mode;
    private final boolean readOnly;
    private final Storage backing;
    private final long backingSize;
    private final int clusterBits;
    private final long clusterSize;
    private final int l2Bits;
    private final long virtualSize;
    private final long[] l1;
    private final long l1Offset;
    private final TableCache l2Cache;
    private final MetadataMap metadata;
    private final Refcounts refcounts;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object headerLock = new Object();
    private final StorageRange range;
    private final StorageCounters counters = new StorageCounters();
    private volatile boolean corrupt;
    private volatile boolean closed;

    private Qcow2Storage(Path path, HostFile file, Qcow2Header header, CacheMode mode, boolean readOnly,
            Storage backing, long[] l1, long[] refcountTable, MetadataMap metadata, Qcow2Options options) {
        this.path = path;
        this.name = file.name();
        this.file = file;
        this.header = header;
        this.mode = mode;
        this.readOnly = readOnly;
        this.backing = backing;
        this.backingSize = backing == null ? 0 : backing.sizeBytes();
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.l2Bits = clusterBits - 3;
        this.virtualSize = header.virtualSize();
        this.range = new StorageRange(name, virtualSize, readOnly);
        this.l1 = l1;
        this.l1Offset = header.l1TableOffset();
        this.l2Cache = new TableCache(file, header.clusterSize(), options.l2CacheBytes());
        this.metadata = metadata;
        this.refcounts = readOnly ? null : new Refcounts(file, header, refcountTable,
                new TableCache(file, header.clusterSize(), options.refcountCacheBytes()), metadata,
                this::refcountTableMoved, this::corruption);
    }

    /** Opens a qcow2 image with the default {@link Qcow2Options}; see {@link #open(Path, CacheMode, boolean, Qcow2Options)}. */
    public static Qcow2Storage open(Path path, CacheMode mode, boolean readOnly) {
        return open(path, mode, readOnly, Qcow2Options.DEFAULTS);
    }

    /**
     * Opens a qcow2 image and its backing chain (read-only). Opening for writing clears the
     * auto-clear feature bits (jvirtio does not maintain persistent bitmaps, which become
     * inconsistent, as qcow2.txt requires).
     *
     * @throws StorageException with one sentence naming the image (or the backing file) when it
     *     cannot be opened, is not qcow2, uses a feature jvirtio does not implement, must not be
     *     written, or has metadata that is inconsistent
     */
    public static Qcow2Storage open(Path path, CacheMode mode, boolean readOnly, Qcow2Options options) {
        List<Path> chain = new ArrayList<>();
        try {
            chain.add(path.toRealPath());
        } catch (NoSuchFileException e) {
            throw new StorageException("image " + path + " does not exist", e);
        } catch (IOException e) {
            throw new StorageException("cannot open image " + path + ": " + e.getMessage(), e);
        }
        return open(path, mode, readOnly, options, chain);
    }

    private static Qcow2Storage open(Path path, CacheMode mode, boolean readOnly, Qcow2Options options,
            List<Path> chain) {
        HostFile file = HostFile.open(path, mode, readOnly);
        Storage backing = null;
        try {
            Qcow2Header header = readHeader(file);
            header.requireSupported(!readOnly);
            if (mode.direct() && header.clusterSize() < file.metadataBlock()) {
                throw new StorageException(file.name() + " has " + header.clusterSize() + "-byte clusters, smaller than"
                        + " the " + file.metadataBlock() + "-byte blocks that cache mode " + mode
                        + " (O_DIRECT) transfers; choose cache mode writeback");
            }
            long[] l1 = readTable(file, header.l1TableOffset(), header.l1Size(), "L1 table");
            long[] refcountTable = readTable(file, header.refcountTableOffset(),
                    (int) ((long) header.refcountTableClusters() * header.clusterSize() / 8), "refcount table");
            MetadataMap metadata = MetadataMap.build(header.clusterSize(), header.l1TableOffset(), l1,
                    header.refcountTableOffset(), refcountTable);
            if (!readOnly) {
                Optional<String> conflict = metadata.conflict();
                if (conflict.isPresent()) {
                    throw new StorageException(file.name() + " is corrupt: " + conflict.get()
                            + "; repair it with 'qemu-img check -r all' or open it read-only");
                }
                requireValidTables(file, header, l1, refcountTable);
            }
            backing = openBacking(path, header, mode, options, chain);
            Qcow2Storage storage = new Qcow2Storage(path, file, header, mode, readOnly, backing, l1, refcountTable,
                    metadata, options);
            if (!readOnly && header.version() == 3 && header.autoclearFeatures() != 0) {
                // qcow2.txt, autoclear_features: a writer that does not maintain them clears them first.
                storage.patchHeader(h -> h.set(BE_LONG, AUTOCLEAR_FEATURES, 0L));
                file.barrier();
            }
            return storage;
        } catch (RuntimeException e) {
            if (backing != null) {
                backing.close();
            }
            file.close();
            throw e;
        }
    }

    private static Qcow2Header readHeader(HostFile file) {
        long size = file.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment first = HostFile.allocate(arena, SECTOR).asSlice(0, SECTOR);
            file.read(0, first);
            ByteBuffer firstBytes = ByteBuffer.wrap(first.toArray(ValueLayout.JAVA_BYTE), 0,
                    (int) Math.min(SECTOR, size)).slice();
            int bits = Qcow2Header.probeClusterBits(firstBytes, size, file.name());
            int length = (int) Math.min(size, 1L << bits);
            MemorySegment cluster = HostFile.allocate(arena, length).asSlice(0, length);
            file.read(0, cluster);
            ByteBuffer bytes = ByteBuffer.wrap(cluster.toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.BIG_ENDIAN);
            return Qcow2Header.parse(bytes, size, file.name());
        }
    }

    /** Reads a table of big-endian 64-bit entries, which must lie inside the file. */
    private static long[] readTable(HostFile file, long offset, int entries, String what) {
        long bytes = entries * 8L;
        if (entries == 0) {
            return new long[0];
        }
        if (offset + bytes > file.size()) {
            throw new StorageException(file.name() + " is corrupt: its " + what + " at " + offset + " (" + bytes
                    + " bytes) reaches past the end of the file at " + file.size());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment content = HostFile.allocate(arena, bytes).asSlice(0, bytes);
            file.read(offset, content);
            long[] table = new long[entries];
            for (int i = 0; i < entries; i++) {
                table[i] = content.get(BE_LONG, i * 8L);
            }
            return table;
        }
    }

    /** Before writing: every L2 table and refcount block the tables name is aligned and inside the file. */
    private static void requireValidTables(HostFile file, Qcow2Header header, long[] l1, long[] refcountTable) {
        long clusterSize = header.clusterSize();
        for (int i = 0; i < l1.length; i++) {
            long offset = l1[i] & OFFSET_MASK;
            if (offset == 0) {
                continue;
            }
            if (offset % clusterSize != 0 || offset >= file.size()) {
                throw new StorageException(file.name() + " is corrupt: L1 entry " + i + " points to " + offset
                        + ", which is not a cluster inside the file; repair it with 'qemu-img check -r all'");
            }
            // qcow2.txt, L1 table entry, bit 63: without snapshots every L2 table has refcount 1.
            if ((l1[i] & COPIED) == 0) {
                throw new StorageException(file.name() + " is corrupt: L1 entry " + i + " lacks the copied flag though"
                        + " the image has no snapshots; repair it with 'qemu-img check -r all'");
            }
        }
        for (int i = 0; i < refcountTable.length; i++) {
            long offset = refcountTable[i];
            if (offset == 0) {
                continue;
            }
            if ((offset & Qcow2Layout.REFTABLE_RESERVED) != 0 || offset < 0 || offset % clusterSize != 0
                    || offset >= file.size()) {
                throw new StorageException(file.name() + " is corrupt: refcount table entry " + i + " points to "
                        + offset + ", which is not a cluster inside the file; repair it with 'qemu-img check -r all'");
            }
        }
    }

    private static Storage openBacking(Path image, Qcow2Header header, CacheMode mode, Qcow2Options options,
            List<Path> chain) {
        Optional<Path> named = header.backingPath(image);
        if (named.isEmpty()) {
            return null;
        }
        Path backingPath = named.get();
        String of = "the backing file " + backingPath + " of image " + image;
        if (header.backingFile().orElseThrow().startsWith("json:")) {
            throw new StorageException("image " + image + " names its backing file with QEMU's json: syntax, which"
                    + " jvirtio does not read");
        }
        Path real;
        try {
            real = backingPath.toRealPath();
        } catch (NoSuchFileException e) {
            throw new StorageException(of + " does not exist", e);
        } catch (IOException e) {
            throw new StorageException("cannot open " + of + ": " + e.getMessage(), e);
        }
        if (chain.contains(real)) {
            throw new StorageException("the backing chain of image " + chain.get(0) + " loops back to " + real);
        }
        if (chain.size() >= MAX_BACKING_DEPTH) {
            throw new StorageException("the backing chain of image " + chain.get(0) + " is deeper than "
                    + MAX_BACKING_DEPTH + " images");
        }
        String format = header.backingFormat().orElse(null);
        boolean qcow2;
        if (format == null) {
            qcow2 = Qcow2Header.isQcow2(backingPath);
        } else if (format.equals("qcow2") || format.equals("raw")) {
            qcow2 = format.equals("qcow2");
        } else {
            throw new StorageException(of + " has format '" + format + "'; jvirtio reads raw and qcow2 backing files");
        }
        chain.add(real);
        try {
            if (qcow2) {
                return open(backingPath, mode, true, options, chain);
            }
            try {
                return RawStorage.open(backingPath, mode, true);
            } catch (StorageException e) {
                if (!mode.direct()) {
                    throw e;
                }
                // A raw backing file whose size is not whole direct-I/O blocks is still readable cached.
                return RawStorage.open(backingPath, CacheMode.WRITEBACK, true);
            }
        } catch (StorageException e) {
            throw new StorageException("cannot open " + of + ": " + e.getMessage(), e);
        }
    }

    /** The path the image was opened with. */
    public Path path() {
        return path;
    }

    /** The image's header as read at open. */
    public Qcow2Header header() {
        return header;
    }

    /** The cluster size in bytes. */
    public int clusterSize() {
        return (int) clusterSize;
    }

    /** The backing file's storage, if the image has one. */
    public Optional<Storage> backing() {
        return Optional.ofNullable(backing);
    }

    /** How many L2 tables had to be read from the file because the cache did not hold them. */
    public long l2CacheMisses() {
        return l2Cache.misses();
    }

    @Override
    public long sizeBytes() {
        return virtualSize;
    }

    @Override
    public int logicalBlockSize() {
        return file.logicalBlockSize();
    }

    @Override
    public int physicalBlockSize() {
        return file.physicalBlockSize();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public CacheMode cacheMode() {
        return mode;
    }

    @Override
    public StorageCounters counters() {
        return counters;
    }

    @Override
    public void read(long offset, MemorySegment[] dst) {
        long length = range.checkRead(offset, dst);
        BufferList buffers = new BufferList(dst);
        lock.readLock().lock();
        try {
            requireOpen();
            readRange(offset, buffers, length);
        } finally {
            lock.readLock().unlock();
        }
        counters.recordRead(length);
    }

    @Override
    public void write(long offset, MemorySegment[] src) {
        long length = range.checkWrite(offset, src);
        BufferList buffers = new BufferList(src);
        boolean done;
        lock.readLock().lock();
        try {
            requireUsable();
            done = writeInPlace(offset, buffers, length);
        } finally {
            lock.readLock().unlock();
        }
        if (!done) {
            lock.writeLock().lock();
            try {
                requireUsable();
                writeAllocating(offset, buffers, 0, length);
            } finally {
                lock.writeLock().unlock();
            }
        }
        counters.recordWrite(length);
    }

    @Override
    public void flush() {
        counters.recordFlush();
        if (readOnly) {
            return;
        }
        lock.readLock().lock();
        try {
            requireOpen();
            file.flush();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void discard(long offset, long length) {
        range.checkDiscard(offset, length);
        counters.recordDiscard();
        zero(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean unmap) {
        range.checkWriteZeroes(offset, length);
        counters.recordWriteZeroes();
        zero(offset, length, unmap);
    }

    /**
     * Whether {@code [offset, offset + length)} is known to read as zeroes without reading data:
     * zero clusters, and unallocated clusters with no backing data under them.
     */
    public boolean knownZero(long offset, long length) {
        range.check("zero probe", offset, length);
        lock.readLock().lock();
        try {
            requireOpen();
            long end = offset + length;
            for (long pos = offset; pos < end; ) {
                long n = Math.min(clusterSize - (pos & (clusterSize - 1)), end - pos);
                ClusterKind kind = kind(l2Entry(pos >>> clusterBits));
                boolean zero = switch (kind) {
                    case ZERO_PLAIN, ZERO_ALLOC -> true;
                    case UNALLOCATED -> backingReadsZero(pos, n);
                    default -> false;
                };
                if (!zero) {
                    return false;
                }
                pos += n;
            }
            return true;
        } finally {
            lock.readLock().unlock();
        }
    }

    private boolean backingReadsZero(long pos, long n) {
        if (backing == null || pos >= backingSize) {
            return true;
        }
        return backing instanceof Qcow2Storage q && q.knownZero(pos, Math.min(n, backingSize - pos));
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (!readOnly && !corrupt) {
                    file.flush();
                }
            } finally {
                file.close();
                if (backing != null) {
                    backing.close();
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "Qcow2Storage[" + path + ", v" + header.version() + ", cluster=" + clusterSize + ", cache=" + mode
                + (readOnly ? ", read-only" : "") + (backing == null ? "" : ", backing=" + backing) + "]";
    }

    // ---- reading

    private void readRange(long offset, BufferList buffers, long length) {
        long pos = 0;
        while (pos < length) {
            long guest = offset + pos;
            long within = guest & (clusterSize - 1);
            long n = Math.min(clusterSize - within, length - pos);
            long entry = l2Entry(guest >>> clusterBits);
            ClusterKind kind = kind(entry);
            switch (kind) {
                case NORMAL -> {
                    long host = dataCluster(entry, guest, false) + within;
                    // Extend the run while the next clusters follow on in the file.
                    while (pos + n < length) {
                        long next = l2Entry((guest + n) >>> clusterBits);
                        if (kind(next) != ClusterKind.NORMAL || dataCluster(next, guest + n, false) != host + n) {
                            break;
                        }
                        n += Math.min(clusterSize, length - pos - n);
                    }
                    file.read(host, buffers.slice(pos, n));
                }
                case UNALLOCATED -> {
                    while (pos + n < length && kind(l2Entry((guest + n) >>> clusterBits)) == ClusterKind.UNALLOCATED) {
                        n += Math.min(clusterSize, length - pos - n);
                    }
                    readBacking(guest, buffers, pos, n);
                }
                case ZERO_PLAIN, ZERO_ALLOC -> buffers.zero(pos, n);
                case COMPRESSED -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment cluster = HostFile.allocate(arena, clusterSize).asSlice(0, clusterSize);
                        inflate(entry, guest, cluster);
                        buffers.copyFrom(pos, cluster, within, n);
                    }
                }
            }
            pos += n;
        }
    }

    /** Reads the backing file's bytes for a guest range into the buffers; past its end, zeroes. */
    private void readBacking(long guest, BufferList buffers, long at, long n) {
        long fromBacking = backing == null ? 0 : Math.max(0, Math.min(n, backingSize - guest));
        if (fromBacking > 0) {
            backing.read(guest, buffers.slice(at, fromBacking));
        }
        if (fromBacking < n) {
            buffers.zero(at + fromBacking, n - fromBacking);
        }
    }

    /** Decompresses a compressed cluster (qcow2.txt, Compressed Clusters Descriptor) into {@code cluster}. */
    private void inflate(long entry, long guest, MemorySegment cluster) {
        int shift = 62 - (clusterBits - 8);
        long sectorsMask = (1L << (clusterBits - 8)) - 1;
        long hostOffset = entry & ((1L << shift) - 1);
        long sectors = ((entry >>> shift) & sectorsMask) + 1;
        long compressedEnd = (hostOffset & ~(long) (SECTOR - 1)) + sectors * SECTOR;
        long compressedLength = compressedEnd - hostOffset;
        if (hostOffset >= file.size() || hostOffset < clusterSize) {
            throw corruption("the compressed cluster for guest offset " + guest + " is at " + hostOffset
                    + ", outside the file's data (" + file.size() + " bytes)");
        }
        byte[] input;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment compressed = HostFile.allocate(arena, compressedLength).asSlice(0, compressedLength);
            file.read(hostOffset, compressed);
            input = compressed.toArray(ValueLayout.JAVA_BYTE);
        }
        byte[] output = new byte[(int) clusterSize];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(input);
            int produced = 0;
            while (produced < output.length) {
                int n = inflater.inflate(output, produced, output.length - produced);
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                produced += n;
            }
            if (produced < output.length) {
                throw new StorageException(name + ": the compressed cluster for guest offset " + guest + " at host offset "
                        + hostOffset + " inflates to " + produced + " bytes instead of a whole " + clusterSize
                        + "-byte cluster");
            }
        } catch (DataFormatException e) {
            throw new StorageException(name + ": the compressed cluster for guest offset " + guest + " at host offset "
                    + hostOffset + " is not valid deflate data: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        MemorySegment.copy(output, 0, cluster, ValueLayout.JAVA_BYTE, 0, output.length);
    }

    // ---- writing

    /** Writes the range in place if every cluster of it is allocated and owned; returns false otherwise. */
    private boolean writeInPlace(long offset, BufferList buffers, long length) {
        List<HostWrite> writes = new ArrayList<>();
        for (long pos = 0; pos < length; ) {
            long guest = offset + pos;
            long within = guest & (clusterSize - 1);
            long n = Math.min(clusterSize - within, length - pos);
            long entry = l2Entry(guest >>> clusterBits);
            if (kind(entry) != ClusterKind.NORMAL || (entry & COPIED) == 0) {
                return false;
            }
            writes.add(new HostWrite(dataCluster(entry, guest, true) + within, buffers.slice(pos, n)));
            pos += n;
        }
        issue(writes);
        return true;
    }

    /**
     * Writes {@code length} bytes of {@code buffers} from {@code at} to the guest range at
     * {@code offset}, allocating clusters (with copy-on-write) where the range is not owned. Needs
     * the exclusive lock.
     */
    private void writeAllocating(long offset, BufferList buffers, long at, long length) {
        List<HostWrite> writes = new ArrayList<>();
        Map<Long, TreeMap<Integer, Long>> updates = new LinkedHashMap<>();
        Map<Integer, NewTable> newTables = new LinkedHashMap<>();
        List<Long> released = new ArrayList<>();
        boolean allocated = false;
        try (Arena arena = Arena.ofConfined()) {
            for (long pos = 0; pos < length; ) {
                long guest = offset + pos;
                long guestCluster = guest >>> clusterBits;
                long within = guest & (clusterSize - 1);
                long n = Math.min(clusterSize - within, length - pos);
                int l1Index = (int) (guestCluster >>> l2Bits);
                int l2Index = (int) (guestCluster & ((1L << l2Bits) - 1));
                long tableOffset = l2TableOffset(l1Index);
                NewTable created = newTables.get(l1Index);
                if (tableOffset == 0 && created == null) {
                    created = new NewTable(refcounts.allocate());
                    newTables.put(l1Index, created);
                    allocated = true;
                }
                long entry = created != null ? 0 : l2Cache.get(tableOffset).get(BE_LONG, (long) l2Index * 8);
                ClusterKind kind = kind(entry);
                MemorySegment[] data = buffers.slice(at + pos, n);
                if (kind == ClusterKind.NORMAL && (entry & COPIED) != 0) {
                    writes.add(new HostWrite(dataCluster(entry, guest, true) + within, data));
                    pos += n;
                    continue;
                }
                long target;
                if (kind == ClusterKind.ZERO_ALLOC && (entry & COPIED) != 0) {
                    // A preallocated zero cluster that this image owns is reused in place.
                    target = dataCluster(entry, guest, true);
                } else {
                    target = refcounts.allocate();
                    allocated = true;
                    if (holdsCluster(kind)) {
                        released.add(entry);
                    }
                }
                if (n == clusterSize) {
                    writes.add(new HostWrite(target, data));
                } else {
                    MemorySegment cluster = HostFile.allocate(arena, clusterSize).asSlice(0, clusterSize);
                    fillOld(cluster, entry, guestCluster << clusterBits);
                    buffers.copyTo(at + pos, cluster, within, n);
                    writes.add(new HostWrite(target, new MemorySegment[] {cluster}));
                }
                long newEntry = target | COPIED;
                if (created != null) {
                    created.table.set(BE_LONG, (long) l2Index * 8, newEntry);
                } else {
                    updates.computeIfAbsent(tableOffset, t -> new TreeMap<>()).put(l2Index, newEntry);
                }
                pos += n;
            }
            // Data and new tables first, then (after the barrier) the pointers that publish them.
            issue(writes);
            for (NewTable table : newTables.values()) {
                file.write(table.offset, table.table);
            }
            if (allocated || !updates.isEmpty()) {
                file.barrier();
            }
            for (Map.Entry<Long, TreeMap<Integer, Long>> update : updates.entrySet()) {
                writeL2Entries(update.getKey(), update.getValue());
            }
            publishTables(newTables);
            releaseClusters(released, false);
        }
    }

    /** Fills a whole cluster buffer with what the guest cluster at {@code guest} reads before a write. */
    private void fillOld(MemorySegment cluster, long entry, long guest) {
        switch (kind(entry)) {
            case UNALLOCATED -> readBacking(guest, new BufferList(new MemorySegment[] {cluster}), 0, clusterSize);
            case ZERO_PLAIN, ZERO_ALLOC -> cluster.fill((byte) 0);
            case NORMAL -> file.read(dataCluster(entry, guest, false), cluster);
            case COMPRESSED -> inflate(entry, guest, cluster);
        }
    }

    private void zero(long offset, long length, boolean unmap) {
        lock.writeLock().lock();
        try {
            requireUsable();
            long end = offset + length;
            long pos = offset;
            while (pos < end) {
                long within = pos & (clusterSize - 1);
                long n = Math.min(clusterSize - within, end - pos);
                if (n < clusterSize) {
                    zeroPartial(pos, n);
                    pos += n;
                    continue;
                }
                // Whole clusters, up to the end of this L2 table or of the range.
                long first = pos >>> clusterBits;
                long tableEnd = ((first >>> l2Bits) + 1) << l2Bits;
                long count = Math.min((end - pos) >>> clusterBits, tableEnd - first);
                zeroClusters(first, count, unmap);
                pos += count << clusterBits;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void zeroPartial(long guest, long n) {
        ClusterKind kind = kind(l2Entry(guest >>> clusterBits));
        if (kind == ClusterKind.ZERO_PLAIN || kind == ClusterKind.ZERO_ALLOC
                || (kind == ClusterKind.UNALLOCATED && (backing == null || guest >= backingSize))) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeroes = HostFile.allocate(arena, n).asSlice(0, n);
            writeAllocating(guest, new BufferList(new MemorySegment[] {zeroes}), 0, n);
        }
    }

    /** Zeroes {@code count} whole clusters from {@code first}, all mapped by one L2 table. */
    private void zeroClusters(long first, long count, boolean unmap) {
        int l1Index = (int) (first >>> l2Bits);
        long tableOffset = l2TableOffset(l1Index);
        TreeMap<Integer, Long> updates = new TreeMap<>();
        List<Long> released = new ArrayList<>();
        List<Long> viaWrite = new ArrayList<>();
        for (long c = first; c < first + count; c++) {
            int l2Index = (int) (c & ((1L << l2Bits) - 1));
            long entry = tableOffset == 0 ? 0 : l2Cache.get(tableOffset).get(BE_LONG, (long) l2Index * 8);
            ClusterKind kind = kind(entry);
            boolean owned = (entry & COPIED) != 0;
            if (header.version() == 2) {
                // Version 2 has no zero flag: unallocated reads zeroes only without a backing file.
                if (backing == null && (unmap || kind != ClusterKind.NORMAL || !owned)) {
                    if (kind != ClusterKind.UNALLOCATED) {
                        updates.put(l2Index, 0L);
                        if (holdsCluster(kind)) {
                            released.add(entry);
                        }
                    }
                } else if (backing != null && kind == ClusterKind.UNALLOCATED && (c << clusterBits) >= backingSize) {
                    continue;
                } else {
                    viaWrite.add(c);
                }
                continue;
            }
            long newEntry;
            if (!unmap && kind == ClusterKind.NORMAL && owned) {
                newEntry = entry | ZERO;
            } else if (!unmap && kind == ClusterKind.ZERO_ALLOC) {
                continue;
            } else {
                newEntry = backing != null && (c << clusterBits) < backingSize ? ZERO : 0;
                if (kind == ClusterKind.UNALLOCATED && newEntry == 0 || entry == newEntry) {
                    continue;
                }
                if (holdsCluster(kind)) {
                    released.add(entry);
                }
            }
            updates.put(l2Index, newEntry);
        }
        if (!updates.isEmpty()) {
            if (tableOffset == 0) {
                NewTable created = new NewTable(refcounts.allocate());
                updates.forEach((index, value) -> created.table.set(BE_LONG, (long) index * 8, value));
                file.write(created.offset, created.table);
                file.barrier();
                publishTables(Map.of(l1Index, created));
            } else {
                writeL2Entries(tableOffset, updates);
            }
        }
        releaseClusters(released, unmap);
        if (!viaWrite.isEmpty()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment zeroes = HostFile.allocate(arena, clusterSize).asSlice(0, clusterSize);
                for (long c : viaWrite) {
                    writeAllocating(c << clusterBits, new BufferList(new MemorySegment[] {zeroes}), 0, clusterSize);
                }
            }
        }
    }

    /** Links new L2 tables into the L1 table; their contents must already be on disk, behind a barrier. */
    private void publishTables(Map<Integer, NewTable> newTables) {
        for (Map.Entry<Integer, NewTable> created : newTables.entrySet()) {
            NewTable table = created.getValue();
            l2Cache.put(table.offset, table.table);
            metadata.add(table.offset, MetadataMap.Kind.L2);
            writeL1Entry(created.getKey(), table.offset | COPIED);
        }
    }

    /**
     * Drops the references of L2 entries that no longer point at their clusters: after a barrier,
     * so the new entries are on disk before a refcount can reach zero.
     */
    private void releaseClusters(List<Long> entries, boolean punch) {
        if (entries.isEmpty()) {
            return;
        }
        file.barrier();
        for (long entry : entries) {
            if (kind(entry) == ClusterKind.COMPRESSED) {
                int shift = 62 - (clusterBits - 8);
                long hostOffset = entry & ((1L << shift) - 1);
                long sectors = ((entry >>> shift) & ((1L << (clusterBits - 8)) - 1)) + 1;
                long start = hostOffset & ~(long) (SECTOR - 1);
                long last = start + sectors * SECTOR - 1;
                for (long c = start >>> clusterBits; c <= last >>> clusterBits; c++) {
                    refcounts.release(c << clusterBits);
                }
            } else {
                long host = entry & OFFSET_MASK;
                refcounts.release(host);
                if (punch) {
                    file.punchHole(host, clusterSize);
                }
            }
        }
    }

    private void writeL2Entries(long tableOffset, TreeMap<Integer, Long> entries) {
        int unit = file.metadataBlock();
        long lo = (long) entries.firstKey() * 8;
        long hi = (long) entries.lastKey() * 8 + 8;
        long from = lo - lo % unit;
        long to = Math.min(clusterSize, Qcow2Layout.alignUp(hi, unit));
        MemorySegment table = l2Cache.get(tableOffset);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = HostFile.allocate(arena, to - from).asSlice(0, to - from);
            block.copyFrom(table.asSlice(from, to - from));
            entries.forEach((index, value) -> block.set(BE_LONG, index * 8L - from, value));
            l2Cache.commit(tableOffset, from, block);
        }
    }

    private void writeL1Entry(int index, long value) {
        int unit = file.metadataBlock();
        long at = l1Offset + index * 8L;
        long from = at - at % unit;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = HostFile.allocate(arena, unit).asSlice(0, unit);
            file.read(from, block);
            block.set(BE_LONG, at - from, value);
            file.write(from, block);
        }
        l1[index] = value;
    }

    /** Writes contiguous pieces with one call each. */
    private void issue(List<HostWrite> writes) {
        int i = 0;
        while (i < writes.size()) {
            long host = writes.get(i).host;
            long end = host + writes.get(i).length();
            List<MemorySegment> run = new ArrayList<>(List.of(writes.get(i).data));
            int j = i + 1;
            while (j < writes.size() && writes.get(j).host == end) {
                run.addAll(List.of(writes.get(j).data));
                end += writes.get(j).length();
                j++;
            }
            file.write(host, run.toArray(MemorySegment[]::new));
            i = j;
        }
    }

    // ---- metadata lookups

    private long l2TableOffset(int l1Index) {
        long entry = l1[l1Index];
        long offset = entry & OFFSET_MASK;
        if (offset == 0) {
            return 0;
        }
        // qcow2.txt, L1 table entry: the L2 table starts at a cluster boundary.
        if (offset % clusterSize != 0) {
            throw corruption("L1 entry " + l1Index + " points to the L2 table offset " + offset
                    + ", which is not a cluster boundary");
        }
        if (offset >= file.size()) {
            throw corruption("L1 entry " + l1Index + " points to an L2 table at " + offset
                    + ", past the end of the file at " + file.size());
        }
        return offset;
    }

    private long l2Entry(long guestCluster) {
        long tableOffset = l2TableOffset((int) (guestCluster >>> l2Bits));
        if (tableOffset == 0) {
            return 0;
        }
        return l2Cache.get(tableOffset).get(BE_LONG, (guestCluster & ((1L << l2Bits) - 1)) * 8);
    }

    /** Whether an entry of this kind references host clusters (whose refcounts it holds). */
    private static boolean holdsCluster(ClusterKind kind) {
        return kind == ClusterKind.NORMAL || kind == ClusterKind.ZERO_ALLOC || kind == ClusterKind.COMPRESSED;
    }

    private static ClusterKind kind(long entry) {
        if ((entry & COMPRESSED) != 0) {
            return ClusterKind.COMPRESSED;
        }
        if ((entry & ZERO) != 0) {
            return (entry & OFFSET_MASK) != 0 ? ClusterKind.ZERO_ALLOC : ClusterKind.ZERO_PLAIN;
        }
        return (entry & OFFSET_MASK) == 0 ? ClusterKind.UNALLOCATED : ClusterKind.NORMAL;
    }

    /**
     * The host offset of an allocated cluster's entry, checked: cluster-aligned, inside the file,
     * and (for writes) not one of the image's metadata clusters.
     */
    private long dataCluster(long entry, long guest, boolean forWrite) {
        long host = entry & OFFSET_MASK;
        // qcow2.txt, Standard Cluster Descriptor: the host offset is cluster-aligned.
        if (host % clusterSize != 0) {
            throw corruption("the L2 entry for guest offset " + guest + " points to host offset " + host
                    + ", which is not a cluster boundary");
        }
        if (host >= file.size()) {
            throw corruption("the L2 entry for guest offset " + guest + " points to host offset " + host
                    + ", past the end of the file at " + file.size());
        }
        if (forWrite) {
            Optional<MetadataMap.Kind> kind = metadata.kindAt(host);
            if (kind.isPresent()) {
                throw corruption("the L2 entry for guest offset " + guest + " points to host offset " + host
                        + ", which holds " + kind.get().description);
            }
        }
        return host;
    }

    // ---- header, state and checks

    private void refcountTableMoved(long offset, int clusters) {
        patchHeader(h -> {
            h.set(BE_LONG, REFCOUNT_TABLE_OFFSET, offset);
            h.set(Refcounts.BE_INT, REFCOUNT_TABLE_CLUSTERS, clusters);
        });
    }

    /** Rewrites the first metadata block of the file with a change to the header fields in it. */
    private void patchHeader(Consumer<MemorySegment> change) {
        synchronized (headerLock) {
            int unit = file.metadataBlock();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment block = HostFile.allocate(arena, unit).asSlice(0, unit);
                file.read(0, block);
                change.accept(block);
                file.write(0, block);
            }
        }
    }

    /**
     * Reports metadata that cannot be right. A writable image is marked corrupt on disk (version
     * 3) and refuses writes from now on, as qcow2.txt's corrupt bit asks.
     */
    private StorageException corruption(String problem) {
        StringBuilder message = new StringBuilder(name).append(" is corrupt: ").append(problem);
        if (!readOnly && !corrupt) {
            corrupt = true;
            try {
                if (header.version() == 3) {
                    patchHeader(h -> h.set(BE_LONG, INCOMPATIBLE_FEATURES,
                            h.get(BE_LONG, INCOMPATIBLE_FEATURES) | INCOMPAT_CORRUPT));
                    file.flush();
                }
                message.append("; it is now marked corrupt and refuses writes");
            } catch (StorageException e) {
                message.append("; marking it corrupt failed as well (").append(e.getMessage()).append(')');
            }
        }
        return new StorageException(message.append("; check it with 'qemu-img check'").toString());
    }

    private void requireOpen() {
        if (closed) {
            throw new StorageException(name + " is closed");
        }
    }

    private void requireUsable() {
        requireOpen();
        if (corrupt) {
            throw new StorageException(name + " is marked corrupt and refuses writes; check it with 'qemu-img check'");
        }
    }

    /** One contiguous host write of a request. */
    private record HostWrite(long host, MemorySegment[] data) {
        long length() {
            return StorageRange.length(data);
        }
    }

    /** An L2 table allocated by the current request, not yet linked into the L1 table. */
    private final class NewTable {
        final long offset;
        final MemorySegment table;

        NewTable(long offset) {
            this.offset = offset;
            this.table = HostFile.allocate(Arena.ofAuto(), clusterSize).asSlice(0, clusterSize);
        }
    }
}
