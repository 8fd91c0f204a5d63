package dev.jvirtio.blk.storage;

import java.lang.foreign.MemorySegment;

/**
 * The bytes a storage serves, {@code [0, size)}, and the checks every request passes before the
 * storage touches them: the request's range lies within, and a modification is refused when the
 * storage is read-only. Each failure is a {@link StorageException} whose message names the
 * operation, the range and the storage. Immutable and thread-safe.
 */
public final class StorageRange {

    private final String storage;
    private final long size;
    private final boolean readOnly;

    /**
     * @param storage the storage's name for messages, such as "disk /dev/vdb"
     * @param size the storage's size in bytes
     * @param readOnly whether writes, discards and write-zeroes are refused
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public StorageRange(String storage, long size, boolean readOnly) {
        if (size < 0) {
            throw new IllegalArgumentException(storage + " size must not be negative: " + size);
        }
        this.storage = storage;
        this.size = size;
        this.readOnly = readOnly;
    }

    /** The total length in bytes of a transfer's segments. */
    public static long length(MemorySegment[] segments) {
        long length = 0;
        for (MemorySegment segment : segments) {
            length += segment.byteSize();
        }
        return length;
    }

    /**
     * The length of a read into {@code dst} at {@code offset}, after checking that it lies within.
     *
     * @throws StorageException if the range has a negative offset or reaches past the end
     */
    public long checkRead(long offset, MemorySegment[] dst) {
        long length = length(dst);
        check("read", offset, length);
        return length;
    }

    /**
     * The length of a write of {@code src} at {@code offset}, after checking that the storage is
     * writable and the write lies within.
     *
     * @throws StorageException if the storage is read-only, or the range has a negative offset or
     *     reaches past the end
     */
    public long checkWrite(long offset, MemorySegment[] src) {
        requireWritable("write");
        long length = length(src);
        check("write", offset, length);
        return length;
    }

    /**
     * Checks a discard: the storage is writable and the range lies within.
     *
     * @throws StorageException if the storage is read-only or the range does not lie within
     */
    public void checkDiscard(long offset, long length) {
        requireWritable("discard");
        check("discard", offset, length);
    }

    /**
     * Checks a write-zeroes: the storage is writable and the range lies within.
     *
     * @throws StorageException if the storage is read-only or the range does not lie within
     */
    public void checkWriteZeroes(long offset, long length) {
        requireWritable("write zeroes");
        check("write zeroes", offset, length);
    }

    /**
     * Checks that {@code [offset, offset + length)} lies within.
     *
     * @param operation what is asked of the range, for the message ("read", "zero probe")
     * @throws StorageException if the offset or length is negative or the range reaches past the end
     */
    public void check(String operation, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new StorageException(operation + " of " + length + " bytes at offset " + offset + " on " + storage
                    + " has a negative offset or length");
        }
        if (offset > size || length > size - offset) {
            throw new StorageException(operation + " of " + length + " bytes at offset " + offset + " on " + storage
                    + " reaches past its end at " + size + " bytes");
        }
    }

    private void requireWritable(String operation) {
        if (readOnly) {
            throw new StorageException(operation + " refused: " + storage + " is read-only");
        }
    }
}
