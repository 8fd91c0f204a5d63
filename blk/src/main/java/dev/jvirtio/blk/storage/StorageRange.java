package dev.jvirtio.blk.storage;

import java.lang.foreign.MemorySegment;

/** The range checks every storage applies before touching its bytes. */
final class StorageRange {

    private StorageRange() {
    }

    /**
     * The total length of a transfer's segments, after checking that the transfer lies within a
     * storage of {@code size} bytes.
     *
     * @param operation "read" or "write", for the message
     * @param storage the storage's name, for the message
     */
    static long transfer(String operation, String storage, long offset, MemorySegment[] segments, long size) {
        long length = 0;
        for (MemorySegment segment : segments) {
            length += segment.byteSize();
        }
        check(operation, storage, offset, length, size);
        return length;
    }

    /** Checks that {@code [offset, offset + length)} lies within a storage of {@code size} bytes. */
    static void check(String operation, String storage, long offset, long length, long size) {
        if (offset < 0 || length < 0) {
            throw new StorageException(operation + " of " + length + " bytes at offset " + offset + " on " + storage
                    + " has a negative offset or length");
        }
        if (offset > size || length > size - offset) {
            throw new StorageException(operation + " of " + length + " bytes at offset " + offset + " on " + storage
                    + " reaches past its end at " + size + " bytes");
        }
    }

    /** Refuses a modification of a read-only storage. */
    static void requireWritable(boolean readOnly, String operation, String storage) {
        if (readOnly) {
            throw new StorageException(operation + " refused: " + storage + " is read-only");
        }
    }
}
