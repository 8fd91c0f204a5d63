package dev.jvirtio.blk.storage.qcow2;

import dev.jvirtio.blk.storage.Preallocation;
import java.util.Objects;

/**
 * How {@link Qcow2Creator} lays out a new image.
 *
 * @param clusterSize a power of two from 512 bytes to 2 MiB
 * @param preallocation off, or metadata/falloc/full to map every cluster at creation
 * @param backingFile the backing file name to store (relative names are relative to the new
 *     image's directory), or null
 * @param backingFormat "raw" or "qcow2" when there is a backing file
 * @param version 3 (QEMU's compat 1.1, the default) or 2 (compat 0.10)
 * @param refcountOrder log2 of the refcount width, 0 to 6 (4: 16 bits; version 2 needs 4)
 */
public record Qcow2CreateOptions(int clusterSize, Preallocation preallocation, String backingFile,
                                 String backingFormat, int version, int refcountOrder) {

    /** 64 KiB clusters, no preallocation, no backing file, version 3, 16-bit refcounts. */
    public static final Qcow2CreateOptions DEFAULTS =
            new Qcow2CreateOptions(65536, Preallocation.OFF, null, null, 3, Qcow2Layout.DEFAULT_REFCOUNT_ORDER);

    public Qcow2CreateOptions {
        Objects.requireNonNull(preallocation, "preallocation");
        if (clusterSize < 512 || clusterSize > (1 << Qcow2Layout.MAX_CLUSTER_BITS) || Integer.bitCount(clusterSize) != 1) {
            throw new IllegalArgumentException("cluster size " + clusterSize
                    + " is not a power of two from 512 bytes to 2 MiB");
        }
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("qcow2 version " + version + " does not exist; use 2 or 3");
        }
        if (refcountOrder < 0 || refcountOrder > Qcow2Layout.MAX_REFCOUNT_ORDER
                || (version == 2 && refcountOrder != Qcow2Layout.DEFAULT_REFCOUNT_ORDER)) {
            throw new IllegalArgumentException("refcount order " + refcountOrder
                    + " is not valid; use 0 to 6 (version 2 images need 4, 16-bit refcounts)");
        }
        if (backingFile != null && preallocation != Preallocation.OFF) {
            throw new IllegalArgumentException("preallocation " + preallocation
                    + " would hide the backing file's data; use preallocation off with a backing file");
        }
        if (backingFile != null && (backingFile.isEmpty()
                || backingFile.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Qcow2Layout.MAX_BACKING_NAME)) {
            throw new IllegalArgumentException("backing file name '" + backingFile + "' must have 1 to "
                    + Qcow2Layout.MAX_BACKING_NAME + " bytes");
        }
    }

    public Qcow2CreateOptions withClusterSize(int bytes) {
        return new Qcow2CreateOptions(bytes, preallocation, backingFile, backingFormat, version, refcountOrder);
    }

    public Qcow2CreateOptions withPreallocation(Preallocation mode) {
        return new Qcow2CreateOptions(clusterSize, mode, backingFile, backingFormat, version, refcountOrder);
    }

    public Qcow2CreateOptions withBacking(String file, String format) {
        return new Qcow2CreateOptions(clusterSize, preallocation, file, format, version, refcountOrder);
    }

    public Qcow2CreateOptions withVersion(int qcow2Version) {
        return new Qcow2CreateOptions(clusterSize, preallocation, backingFile, backingFormat, qcow2Version, refcountOrder);
    }

    public Qcow2CreateOptions withRefcountOrder(int order) {
        return new Qcow2CreateOptions(clusterSize, preallocation, backingFile, backingFormat, version, order);
    }
}
