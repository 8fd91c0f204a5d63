package dev.jvirtio.blk.image;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.Preallocation;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.qcow2.Qcow2CreateOptions;
import dev.jvirtio.blk.storage.qcow2.Qcow2Creator;
import dev.jvirtio.blk.storage.qcow2.Qcow2Header;
import dev.jvirtio.blk.storage.qcow2.Qcow2Options;
import dev.jvirtio.blk.storage.qcow2.Qcow2Storage;
import dev.jvirtio.linux.DirectFile;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.OpenFlag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Disk image files by format: detection, opening as a {@link Storage}, creation and description.
 *
 * <p>Detection reads the first bytes: an image that starts with the qcow2 magic is qcow2, anything
 * else raw. A raw image whose guest wrote a qcow2 header into its first sector would then be read
 * as qcow2 (with whatever backing file that header names), so give the format explicitly for raw
 * images of guests that are not trusted.
 */
public final class Images {

    private static final int ZERO_CHUNK = 1 << 20;

    private Images() {
    }

    /**
     * The format of an existing image file: {@link ImageFormat#QCOW2} or {@link ImageFormat#RAW}.
     *
     * @throws StorageException naming the path if it cannot be read
     */
    public static ImageFormat detect(Path path) {
        if (Files.isDirectory(path)) {
            throw new StorageException("image " + path + " is a directory, not an image file");
        }
        if (!Files.exists(path)) {
            throw new StorageException("image " + path + " does not exist");
        }
        if (!Files.isRegularFile(path)) {
            return ImageFormat.RAW;
        }
        return Qcow2Header.isQcow2(path) ? ImageFormat.QCOW2 : ImageFormat.RAW;
    }

    /** Opens an image with the default qcow2 options; see {@link #open(Path, ImageFormat, CacheMode, boolean, Qcow2Options)}. */
    public static Storage open(Path path, ImageFormat format, CacheMode mode, boolean readOnly) {
        return open(path, format, mode, readOnly, Qcow2Options.DEFAULTS);
    }

    /**
     * Opens an image file (or, as raw, a block device) as a storage.
     *
     * @param format the format, or {@link ImageFormat#AUTO} to detect it
     * @throws StorageException with one sentence naming the path when it cannot be opened as that
     *     format
     */
    public static Storage open(Path path, ImageFormat format, CacheMode mode, boolean readOnly, Qcow2Options options) {
        ImageFormat actual = format == ImageFormat.AUTO ? detect(path) : format;
        if (actual == ImageFormat.QCOW2) {
            return Qcow2Storage.open(path, mode, readOnly, options);
        }
        return RawStorage.open(path, mode, readOnly);
    }

    /**
     * Creates a new image file. For qcow2 with a backing file, the backing file's format is
     * detected unless {@code options} names it, and a negative {@code size} takes the backing
     * file's size; a relative backing name is relative to the new image's directory, as it is
     * stored.
     *
     * @param format {@link ImageFormat#RAW} or {@link ImageFormat#QCOW2}
     * @param size the virtual size in bytes, or negative to take the backing file's
     * @param options the qcow2 layout; for raw only the preallocation counts
     * @throws StorageException with one sentence naming the path when the image cannot be created
     */
    public static void create(Path path, ImageFormat format, long size, Qcow2CreateOptions options) {
        switch (format) {
            case RAW -> {
                if (options.backingFile() != null) {
                    throw new StorageException("cannot create raw image " + path + " with a backing file; use qcow2");
                }
                if (size < 0) {
                    throw new StorageException("cannot create image " + path + " without a size");
                }
                createRaw(path, size, options.preallocation());
            }
            case QCOW2 -> createQcow2(path, size, options);
            case AUTO -> throw new StorageException("cannot create image " + path + " without a format; choose raw or qcow2");
        }
    }

    private static void createQcow2(Path path, long size, Qcow2CreateOptions options) {
        Qcow2CreateOptions resolved = options;
        long virtualSize = size;
        if (options.backingFile() != null) {
            Path backing;
            try {
                backing = Path.of(options.backingFile());
            } catch (java.nio.file.InvalidPathException e) {
                throw new StorageException("backing file name '" + options.backingFile() + "' of new image " + path
                        + " is not a valid path", e);
            }
            if (!backing.isAbsolute()) {
                Path dir = path.toAbsolutePath().getParent();
                backing = dir == null ? backing : dir.resolve(backing);
            }
            if (!Files.exists(backing)) {
                throw new StorageException("backing file " + backing + " of new image " + path + " does not exist");
            }
            ImageFormat backingFormat = options.backingFormat() != null
                    ? ImageFormat.parse(options.backingFormat()) : detect(backing);
            if (backingFormat == ImageFormat.AUTO) {
                backingFormat = detect(backing);
            }
            resolved = options.withBacking(options.backingFile(), backingFormat.formatName());
            if (virtualSize < 0) {
                virtualSize = info(backing).virtualSize();
            }
        }
        if (virtualSize < 0) {
            throw new StorageException("cannot create image " + path + " without a size or a backing file to take it from");
        }
        Qcow2Creator.create(path, virtualSize, resolved);
    }

    private static void createRaw(Path path, long size, Preallocation preallocation) {
        if (preallocation == Preallocation.METADATA) {
            throw new StorageException("cannot create raw image " + path + " with preallocation metadata: raw images"
                    + " have no metadata; use falloc or full");
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                if (preallocation == Preallocation.FULL) {
                    ByteBuffer zeroes = ByteBuffer.allocateDirect(ZERO_CHUNK);
                    for (long at = 0; at < size; ) {
                        zeroes.clear().limit((int) Math.min(ZERO_CHUNK, size - at));
                        at += channel.write(zeroes, at);
                    }
                }
                channel.truncate(size);
                if (channel.size() < size) {
                    channel.write(ByteBuffer.allocate(1), size - 1);
                }
                channel.force(true);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(path);
                throw e;
            }
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("image " + path + " already exists; remove it first or choose another name", e);
        } catch (IOException e) {
            throw new StorageException("cannot create image " + path + ": " + e.getMessage(), e);
        }
        if (preallocation == Preallocation.FALLOC && size > 0) {
            try (DirectFile file = DirectFile.open(path, OpenFlag.WRITE)) {
                file.fallocate(0, 0, size);
            } catch (LinuxException e) {
                throw new StorageException("cannot reserve space for image " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Describes an image file.
     *
     * @throws StorageException naming the path when it cannot be read or its header is not valid
     */
    public static ImageInfo info(Path path) {
        ImageFormat format = detect(path);
        long actual;
        long length;
        try (DirectFile file = DirectFile.open(path)) {
            actual = file.allocatedBytes();
            length = file.size();
        } catch (LinuxException e) {
            throw new StorageException("cannot read image " + path + ": " + e.getMessage(), e);
        }
        if (format == ImageFormat.RAW) {
            return new ImageInfo(path, format, length, actual, 0, null, null, null, null);
        }
        Qcow2Header header = Qcow2Header.read(path);
        return new ImageInfo(path, format, header.virtualSize(), actual, header.clusterSize(),
                header.backingFile().orElse(null), header.backingPath(path).orElse(null),
                header.backingFormat().orElse(null), header);
    }

    /**
     * Makes an image file's contents durable ({@code fsync}), for tools that wrote it in cache
     * mode unsafe.
     *
     * @throws StorageException naming the path if it fails
     */
    public static void sync(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot sync image " + path + ": " + e.getMessage(), e);
        }
    }
}
