package dev.jvirtio.blk.storage.qcow2;

import dev.jvirtio.blk.storage.AlignedTransfers;
import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.StorageRange;
import dev.jvirtio.linux.DirectFile;
import dev.jvirtio.linux.LinuxException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file under a qcow2 image, opened for a {@link CacheMode}: positioned transfers at host
 * offsets that meet {@code O_DIRECT}'s alignment by themselves (zero-copy) or through an aligned
 * bounce buffer (both {@link AlignedTransfers}), and the write barrier that orders metadata updates.
 *
 * <p>Thread-safety: transfers may run concurrently; as for a raw disk, two concurrent unaligned
 * writes inside one direct-I/O block may lose one of them, which only overlapping requests can do.
 */
final class HostFile implements AutoCloseable {

    private final DirectFile file;
    private final AlignedTransfers transfers;
    private final String name;
    private final CacheMode mode;
    private final AtomicLong size;

    private HostFile(DirectFile file, String name, CacheMode mode, long size) {
        this.file = file;
        this.name = name;
        this.mode = mode;
        this.transfers = new AlignedTransfers(file, mode);
        this.size = new AtomicLong(size);
    }

    /**
     * Opens the image file for the cache mode.
     *
     * @throws StorageException with one sentence naming the path when it cannot be opened
     */
    static HostFile open(Path path, CacheMode mode, boolean readOnly) {
        String name = "qcow2 image " + path;
        DirectFile file;
        try {
            file = DirectFile.open(path, mode.openFlags(readOnly));
        } catch (LinuxException e) {
            throw StorageException.openFailed("image", path, mode, readOnly, e);
        }
        try {
            if (file.isBlockDevice()) {
                // A qcow2 image on a block device has no end to append clusters to.
                throw new StorageException(name + " is a block device; jvirtio serves qcow2 from regular files only");
            }
            return new HostFile(file, name, mode, file.size());
        } catch (LinuxException e) {
            file.close();
            throw new StorageException("cannot read the size of " + name + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** How messages name the file ("qcow2 image PATH"). */
    String name() {
        return name;
    }

    /** The file's size as this process knows it: its size at open, grown by every write past the end. */
    long size() {
        return size.get();
    }

    /** The unit, in bytes, of metadata reads and writes: the direct-I/O block, at least 512. */
    int metadataBlock() {
        return Math.max(512, transfers.blockAlignment());
    }

    /** Native memory aligned for any transfer of this file. */
    static MemorySegment allocate(Arena arena, long bytes) {
        return arena.allocate(Math.max(bytes, 1), AlignedTransfers.BUFFER_ALIGNMENT);
    }

    /** The smallest unit the file can be read or written in without a bounce. */
    int blockAlignment() {
        return transfers.blockAlignment();
    }

    /** The file's logical block size, for the device. */
    int logicalBlockSize() {
        return file.logicalBlockSize();
    }

    /** The file's physical block size, for the device. */
    int physicalBlockSize() {
        return Math.max(file.logicalBlockSize(), file.physicalBlockSize());
    }

    /**
     * Reads the segments in order from {@code offset}; bytes past the end of the file read as
     * zeroes.
     */
    void read(long offset, MemorySegment[] dst) {
        long length = StorageRange.length(dst);
        try {
            if (transfers.zeroCopyPossible(offset, dst)) {
                long read = file.preadv(dst, offset);
                if (read < length) {
                    zeroFrom(dst, read);
                }
            } else {
                transfers.bounceRead(offset, dst, length);
            }
        } catch (LinuxException e) {
            throw failed("read of " + length + " bytes at host offset " + offset, e);
        }
    }

    /** Writes the segments in order at {@code offset}, extending the file if it reaches past the end. */
    void write(long offset, MemorySegment[] src) {
        long length = StorageRange.length(src);
        try {
            if (transfers.zeroCopyPossible(offset, src)) {
                file.pwritev(src, offset);
            } else {
                transfers.bounceWrite(offset, src, length);
            }
        } catch (LinuxException e) {
            throw failed("write of " + length + " bytes at host offset " + offset, e);
        }
        size.accumulateAndGet(offset + length, Math::max);
    }

    void read(long offset, MemorySegment dst) {
        read(offset, new MemorySegment[] {dst});
    }

    void write(long offset, MemorySegment src) {
        write(offset, new MemorySegment[] {src});
    }

    /**
     * Orders the writes issued so far before any issued afterwards: {@code fdatasync}, except where
     * every write is already synced ({@code O_DSYNC}) and in cache mode unsafe, which promises no
     * consistency after a host crash.
     */
    void barrier() {
        if (mode.syncEveryWrite() || !mode.honoursFlush()) {
            return;
        }
        sync();
    }

    /** Makes every completed write durable, unless the cache mode ignores flushes. */
    void flush() {
        if (!mode.honoursFlush()) {
            return;
        }
        sync();
    }

    private void sync() {
        try {
            file.fdatasync();
        } catch (LinuxException e) {
            throw failed("flush", e);
        }
    }

    /** Frees a range's blocks in the file if the file system can; a hint, so failures are ignored. */
    void punchHole(long offset, long length) {
        try {
            file.fallocate(DirectFile.FALLOC_FL_PUNCH_HOLE | DirectFile.FALLOC_FL_KEEP_SIZE, offset, length);
        } catch (LinuxException e) {
            // Not every file system can punch holes; the cluster is free in the refcounts either way.
        }
    }

    @Override
    public void close() {
        file.close();
    }

    private StorageException failed(String what, LinuxException e) {
        return new StorageException(what + " on " + name + " failed: " + e.getMessage(), e);
    }

    private static void zeroFrom(MemorySegment[] segments, long from) {
        long at = 0;
        for (MemorySegment segment : segments) {
            long end = at + segment.byteSize();
            if (end > from) {
                segment.asSlice(Math.max(0, from - at)).fill((byte) 0);
            }
            at = end;
        }
    }
}
