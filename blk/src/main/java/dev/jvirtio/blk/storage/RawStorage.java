package dev.jvirtio.blk.storage;

import dev.jvirtio.linux.DirectFile;
import dev.jvirtio.linux.Errno;
import dev.jvirtio.linux.LinuxException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A raw disk image file or a block device, served in any {@link CacheMode}.
 *
 * <p>Transfers are zero-copy: {@code preadv}/{@code pwritev} straight between the storage and the
 * guest's buffers. In the {@code O_DIRECT} modes (none, directsync) that needs every buffer address
 * aligned to the file's direct-I/O memory alignment and every offset and buffer length to its
 * direct-I/O block; a request that is not goes through an aligned bounce buffer instead, as
 * {@link AlignedTransfers} describes. {@link StorageCounters#bounces()} counts those.
 *
 * <p>Discard punches a hole in a file ({@code FALLOC_FL_PUNCH_HOLE}) or discards a block device's
 * blocks ({@code BLKDISCARD}); a file system or device that cannot do that ignores the hint. Write
 * zeroes uses {@code FALLOC_FL_ZERO_RANGE} (or a punched hole when unmapping is allowed) and falls
 * back to writing zeroes. In the modes that sync every write, both are followed by
 * {@code fdatasync}, as {@code O_DSYNC} does not cover them.
 *
 * <p>Thread-safety: as {@link Storage} says; two concurrent requests that touch the same
 * direct-I/O block through the bounce path may lose one of their writes, which only overlapping
 * requests can do.
 */
public final class RawStorage implements Storage {

    private static final long ZEROES_PER_CALL = 64L << 20;

    private final DirectFile file;
    private final AlignedTransfers transfers;
    private final Path path;
    private final String name;
    private final CacheMode mode;
    private final boolean readOnly;
    private final long size;
    private final StorageRange range;
    private final StorageCounters counters = new StorageCounters();

    private RawStorage(DirectFile file, Path path, CacheMode mode, boolean readOnly, long size) {
        this.file = file;
        this.path = path;
        this.name = "disk " + path;
        this.mode = mode;
        this.readOnly = readOnly;
        this.size = size;
        this.range = new StorageRange(name, size, readOnly);
        this.transfers = new AlignedTransfers(file, mode);
    }

    /**
     * Opens a raw image file or a block device.
     *
     * @throws StorageException with one sentence naming the path if it does not exist, cannot be
     *     opened with these permissions, is a directory or another kind of file, lies on a file
     *     system without {@code O_DIRECT} when the mode needs it, or (in the O_DIRECT modes) has a
     *     size that is not a whole number of direct-I/O blocks
     */
    public static RawStorage open(Path path, CacheMode mode, boolean readOnly) {
        DirectFile file;
        try {
            file = DirectFile.open(path, mode.openFlags(readOnly));
        } catch (LinuxException e) {
            throw openFailed(path, mode, readOnly, e);
        }
        try {
            long size = file.size();
            if (mode.direct() && size % file.directOffsetAlignment() != 0) {
                throw new StorageException("disk " + path + " is " + size + " bytes, not a whole number of the "
                        + file.directOffsetAlignment() + "-byte blocks that cache mode " + mode
                        + " (O_DIRECT) transfers; resize it or choose cache mode writeback");
            }
            return new RawStorage(file, path, mode, readOnly, size);
        } catch (LinuxException e) {
            file.close();
            throw new StorageException("cannot read the size of disk " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The path the storage was opened with. */
    public Path path() {
        return path;
    }

    /** Whether the storage is a block device rather than an image file. */
    public boolean isBlockDevice() {
        return file.isBlockDevice();
    }

    @Override
    public long sizeBytes() {
        return size;
    }

    @Override
    public int logicalBlockSize() {
        return file.logicalBlockSize();
    }

    @Override
    public int physicalBlockSize() {
        return Math.max(file.logicalBlockSize(), file.physicalBlockSize());
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
        try {
            if (transfers.zeroCopyPossible(offset, dst)) {
                long read = file.preadv(dst, offset);
                if (read != length) {
                    throw new StorageException("read of " + length + " bytes at offset " + offset + " on " + name
                            + " ended after " + read + " bytes; the file shrank while in use");
                }
            } else {
                transfers.bounceRead(offset, dst, length);
                counters.recordBounce();
            }
        } catch (LinuxException e) {
            throw failed("read of " + length + " bytes at offset " + offset, e);
        }
        counters.recordRead(length);
    }

    @Override
    public void write(long offset, MemorySegment[] src) {
        long length = range.checkWrite(offset, src);
        try {
            writeRange(offset, src, length);
        } catch (LinuxException e) {
            throw failed("write of " + length + " bytes at offset " + offset, e);
        }
        counters.recordWrite(length);
    }

    @Override
    public void flush() {
        counters.recordFlush();
        if (readOnly || !mode.honoursFlush()) {
            return;
        }
        try {
            file.fdatasync();
        } catch (LinuxException e) {
            throw failed("flush", e);
        }
    }

    @Override
    public void discard(long offset, long length) {
        range.checkDiscard(offset, length);
        counters.recordDiscard();
        if (length == 0) {
            return;
        }
        try {
            if (file.isBlockDevice()) {
                // BLKDISCARD takes whole logical blocks; the partial blocks at the edges stay as they are.
                int block = file.logicalBlockSize();
                long start = AlignedTransfers.alignUp(offset, block);
                long end = AlignedTransfers.alignDown(offset + length, block);
                if (start < end) {
                    file.discardBlocks(start, end - start);
                }
            } else {
                file.fallocate(DirectFile.FALLOC_FL_PUNCH_HOLE | DirectFile.FALLOC_FL_KEEP_SIZE, offset, length);
            }
            syncIfWritethrough();
        } catch (LinuxException e) {
            if (e.errno() != Errno.EOPNOTSUPP) {
                throw failed("discard of " + length + " bytes at offset " + offset, e);
            }
            // The storage cannot free space: a discard is a hint, so there is nothing to do.
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean unmap) {
        range.checkWriteZeroes(offset, length);
        counters.recordWriteZeroes();
        if (length == 0) {
            return;
        }
        String what = "write zeroes of " + length + " bytes at offset " + offset;
        int[] modes = unmap
                ? new int[] {DirectFile.FALLOC_FL_PUNCH_HOLE | DirectFile.FALLOC_FL_KEEP_SIZE,
                    DirectFile.FALLOC_FL_ZERO_RANGE | DirectFile.FALLOC_FL_KEEP_SIZE}
                : new int[] {DirectFile.FALLOC_FL_ZERO_RANGE | DirectFile.FALLOC_FL_KEEP_SIZE};
        try {
            for (int fallocateMode : modes) {
                try {
                    file.fallocate(fallocateMode, offset, length);
                    syncIfWritethrough();
                    return;
                } catch (LinuxException e) {
                    // Unsupported here, or a device range that is not whole blocks: try the next way.
                    if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EINVAL) {
                        throw e;
                    }
                }
            }
            writeZeroesByWriting(offset, length);
        } catch (LinuxException e) {
            throw failed(what, e);
        }
    }

    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return "RawStorage[" + path + ", cache=" + mode + (readOnly ? ", read-only" : "") + "]";
    }

    private void writeRange(long offset, MemorySegment[] src, long length) throws LinuxException {
        if (transfers.zeroCopyPossible(offset, src)) {
            file.pwritev(src, offset);
        } else {
            transfers.bounceWrite(offset, src, length);
            counters.recordBounce();
        }
    }

    private void writeZeroesByWriting(long offset, long length) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            long bufferBytes = Math.min(AlignedTransfers.BOUNCE_BYTES,
                    AlignedTransfers.alignUp(length, Math.max(1, transfers.blockAlignment())));
            MemorySegment zeroes = arena.allocate(bufferBytes,
                    Math.max(AlignedTransfers.BUFFER_ALIGNMENT, transfers.memoryAlignment()));
            for (long done = 0; done < length; ) {
                long call = Math.min(ZEROES_PER_CALL, length - done);
                int pieces = (int) ((call + bufferBytes - 1) / bufferBytes);
                MemorySegment[] src = new MemorySegment[pieces];
                Arrays.fill(src, zeroes);
                long last = call - (pieces - 1) * bufferBytes;
                src[pieces - 1] = zeroes.asSlice(0, last);
                writeRange(offset + done, src, call);
                done += call;
            }
        }
    }

    private void syncIfWritethrough() throws LinuxException {
        if (mode.syncEveryWrite()) {
            file.fdatasync();
        }
    }

    private StorageException failed(String what, LinuxException e) {
        return new StorageException(what + " on " + name + " failed: " + e.getMessage(), e);
    }

    /**
     * As {@link StorageException#openFailed}, except that a disk may be a block device as well as an
     * image file, which the sentences for a directory and for another kind of file say.
     */
    private static StorageException openFailed(Path path, CacheMode mode, boolean readOnly, LinuxException e) {
        return switch (e.errno()) {
            case Errno.EISDIR -> new StorageException(
                    "disk " + path + " is a directory, not an image file or block device", e);
            case Errno.ENODEV -> new StorageException(
                    "disk " + path + " is neither an image file nor a block device", e);
            case Errno.ENOTDIR -> new StorageException(
                    "disk " + path + " does not exist: a parent of it is not a directory", e);
            default -> StorageException.openFailed("disk", path, mode, readOnly, e);
        };
    }
}
