package dev.jvirtio.cli.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * What the back-end serves: a raw image file, or a null device of a given size that discards
 * writes and returns zeros, with a host cache mode.
 *
 * @param image    the raw image, or null for a null device
 * @param nullSize bytes of the null device (0 with an image)
 * @param cache    none, writeback, writethrough, directsync or unsafe
 */
record Disk(Path image, long nullSize, String cache) {

    static final List<String> CACHE_MODES = List.of("none", "writeback", "writethrough", "directsync", "unsafe");

    Disk {
        if (!CACHE_MODES.contains(cache)) {
            throw new IllegalArgumentException("'" + cache + "' is not a cache mode; use one of " + String.join(", ", CACHE_MODES));
        }
        if ((image == null) == (nullSize <= 0)) {
            throw new IllegalArgumentException("a disk is either an image or a null device of positive size");
        }
    }

    static Disk image(Path image, String cache) {
        return new Disk(image, 0, cache);
    }

    static Disk nullDevice(long size, String cache) {
        return new Disk(null, size, cache);
    }

    boolean isNull() {
        return image == null;
    }

    /** "null 1G" or "raw, cache none". */
    String describe() {
        return isNull() ? "null " + ByteSize.format(nullSize) : "raw, cache " + cache;
    }

    /** A short name for report columns: "null", or the cache mode. */
    String label() {
        return isNull() ? "null" : cache;
    }
}
