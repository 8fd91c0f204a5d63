package dev.jvirtio.blk.image;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.qcow2.Qcow2CreateOptions;
import dev.jvirtio.blk.storage.qcow2.Qcow2Storage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies a disk image into a new file of another (or the same) format, sparsely: ranges that read
 * as zeroes are not written, so they stay holes in a raw file and unallocated clusters in qcow2.
 * qcow2 sources report unallocated and zero clusters without their data being read; other data is
 * read and compared with zeroes in units of 4 KiB (raw) or a cluster (qcow2).
 */
public final class ImageConverter {

    private static final int CHUNK = 1 << 20;
    private static final int RAW_GRANULE = 4096;

    private ImageConverter() {
    }

    /**
     * Converts {@code source} (any format jvirtio reads, backing chain included) to a new image at
     * {@code destination}.
     *
     * @param options the destination's qcow2 layout (cluster size); preallocation and backing file are ignored
     * @throws StorageException with one sentence naming the file when the source cannot be read or
     *     the destination exists or cannot be written; a destination left unfinished is removed
     */
    public static ConversionResult convert(Path source, Path destination, ImageFormat to, Qcow2CreateOptions options) {
        if (to == ImageFormat.AUTO) {
            throw new StorageException("choose the format to convert " + source + " to: raw or qcow2");
        }
        if (Files.exists(destination)) {
            throw new StorageException("destination " + destination + " already exists; remove it first or choose another name");
        }
        Qcow2CreateOptions layout = options.withBacking(null, null)
                .withPreallocation(dev.jvirtio.blk.storage.Preallocation.OFF);
        try (Storage src = Images.open(source, ImageFormat.AUTO, CacheMode.WRITEBACK, true)) {
            long size = src.sizeBytes();
            Images.create(destination, to, size, layout);
            ConversionResult result;
            try {
                try (Storage dst = Images.open(destination, to, CacheMode.UNSAFE, false)) {
                    int granule = to == ImageFormat.QCOW2 ? layout.clusterSize() : RAW_GRANULE;
                    result = copy(src, dst, size, granule);
                }
                Images.sync(destination);
            } catch (RuntimeException e) {
                deleteQuietly(destination);
                throw e;
            }
            return result;
        }
    }

    private static ConversionResult copy(Storage src, Storage dst, long size, int granule) {
        long chunkSize = Math.max(CHUNK, granule);
        long written = 0;
        long skipped = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(chunkSize, 4096);
            MemorySegment zeroes = arena.allocate(granule, 4096);
            for (long at = 0; at < size; at += chunkSize) {
                long n = Math.min(chunkSize, size - at);
                if (src instanceof Qcow2Storage qcow2 && qcow2.knownZero(at, n)) {
                    skipped += n;
                    continue;
                }
                MemorySegment chunk = buffer.asSlice(0, n);
                src.read(at, new MemorySegment[] {chunk});
                long runStart = -1;
                for (long g = 0; g < n; g += granule) {
                    long len = Math.min(granule, n - g);
                    boolean zero = chunk.asSlice(g, len).mismatch(zeroes.asSlice(0, len)) < 0;
                    if (!zero && runStart < 0) {
                        runStart = g;
                    }
                    if (zero && runStart >= 0) {
                        dst.write(at + runStart, new MemorySegment[] {chunk.asSlice(runStart, g - runStart)});
                        written += g - runStart;
                        runStart = -1;
                    }
                    if (zero) {
                        skipped += len;
                    }
                }
                if (runStart >= 0) {
                    dst.write(at + runStart, new MemorySegment[] {chunk.asSlice(runStart, n - runStart)});
                    written += n - runStart;
                }
            }
        }
        return new ConversionResult(size, written, skipped);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // The conversion's own failure is what the caller needs to hear about.
        }
    }
}
