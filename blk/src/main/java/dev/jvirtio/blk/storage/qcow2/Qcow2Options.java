package dev.jvirtio.blk.storage.qcow2;

/**
 * Tuning of a {@link Qcow2Storage}: how much memory its metadata caches may hold.
 *
 * <p>Each L2 table maps one cluster's worth of 8-byte entries, so {@code l2CacheBytes} covers
 * {@code l2CacheBytes / 8} clusters of the disk: the 1 MiB default covers 8 GiB with 64 KiB
 * clusters. A cache that covers the working set keeps reads from waiting for metadata (STO-FORMAT).
 *
 * @param l2CacheBytes bytes of L2 tables kept in memory (at least two tables are)
 * @param refcountCacheBytes bytes of refcount blocks kept in memory (at least two blocks are)
 */
public record Qcow2Options(long l2CacheBytes, long refcountCacheBytes) {

    /** 1 MiB of L2 tables and 256 KiB of refcount blocks, as QEMU's defaults. */
    public static final Qcow2Options DEFAULTS = new Qcow2Options(1L << 20, 256L << 10);

    public Qcow2Options {
        if (l2CacheBytes <= 0 || refcountCacheBytes <= 0) {
            throw new IllegalArgumentException("qcow2 cache sizes must be positive: l2=" + l2CacheBytes
                    + " refcount=" + refcountCacheBytes);
        }
    }

    /** These options with another L2 cache size. */
    public Qcow2Options withL2CacheBytes(long bytes) {
        return new Qcow2Options(bytes, refcountCacheBytes);
    }
}
