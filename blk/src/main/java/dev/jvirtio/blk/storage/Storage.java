package dev.jvirtio.blk.storage;

import java.lang.foreign.MemorySegment;

/**
 * The bytes behind a virtio-blk device, addressed by byte offset.
 *
 * <p>Transfers move data straight between the storage and the given segments (guest buffers: any
 * address and length; native segments take the zero-copy path). A read or write covers the
 * segments one after another, starting at {@code offset}. Every range must lie within
 * {@link #sizeBytes()}: a storage never extends a file or reaches past the end of a device.
 *
 * <p>Every failure, including a range past the end and a write to a read-only storage, is a
 * {@link StorageException} (unchecked).
 *
 * <p>Thread-safety: every method except {@link #close()} may be called from several I/O threads at
 * once. Concurrent requests that overlap have no defined result (as for a real disk).
 * {@link #close()} must follow the last request.
 */
public interface Storage extends AutoCloseable {

    /** The size in bytes; a device exposes {@code sizeBytes() / 512} sectors. */
    long sizeBytes();

    /** The smallest unit the storage addresses, in bytes (512 or 4096). */
    int logicalBlockSize();

    /** The unit the storage writes without read-modify-write, in bytes; at least the logical size. */
    int physicalBlockSize();

    /** Whether writes, discards and write-zeroes are refused. */
    boolean readOnly();

    /**
     * Whether {@link #discard} can free space (it is always accepted as a hint when writable). By
     * default, whenever the storage is writable.
     */
    default boolean supportsDiscard() {
        return !readOnly();
    }

    /** Whether {@link #writeZeroes} is available. By default, whenever the storage is writable. */
    default boolean supportsWriteZeroes() {
        return !readOnly();
    }

    /** The cache mode the storage was opened with. */
    CacheMode cacheMode();

    /**
     * The virtio-blk {@code writeback} config bit: whether the guest sees a volatile write cache
     * and must flush; see {@link CacheMode#writeback()}.
     */
    default boolean writebackCache() {
        return cacheMode().writeback();
    }

    /** Counts of the requests served so far. */
    StorageCounters counters();

    /**
     * Reads {@code sum(dst[i].byteSize())} bytes from {@code offset} into the segments in order.
     *
     * @throws StorageException if the range is past the end or the storage fails
     */
    void read(long offset, MemorySegment[] dst);

    /**
     * Writes the segments' bytes in order from {@code offset}. When this returns, the data is as
     * durable as the {@linkplain #cacheMode() cache mode} makes it: synced in writethrough and
     * directsync, otherwise until the next {@link #flush()}.
     *
     * @throws StorageException if the storage is read-only, the range is past the end or the
     *     storage fails
     */
    void write(long offset, MemorySegment[] src);

    /**
     * Makes every completed write durable (the guest's flush); a no-op in cache mode unsafe and
     * for read-only storages.
     */
    void flush();

    /**
     * Hints that a range's contents are no longer needed, so its space can be freed. What the range
     * reads afterwards is unspecified (zeroes for files); a storage that cannot free space ignores
     * the hint.
     *
     * @throws StorageException if the storage is read-only or the range is past the end
     */
    void discard(long offset, long length);

    /**
     * Makes a range read as zeroes; with {@code unmap} the storage may free its space too.
     *
     * @throws StorageException if the storage is read-only, the range is past the end or the
     *     storage fails
     */
    void writeZeroes(long offset, long length, boolean unmap);

    /** Releases the storage; requests afterwards fail. Later calls do nothing. */
    @Override
    void close();
}
