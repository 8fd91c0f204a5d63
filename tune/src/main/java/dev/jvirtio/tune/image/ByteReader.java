package dev.jvirtio.tune.image;

import java.util.Arrays;

/**
 * Random read access to the bytes a guest sees on a disk: a raw file as it is, or a qcow2 image
 * translated through its cluster tables.
 */
public interface ByteReader {

    /** The disk's size in bytes as the guest sees it. */
    long size();

    /**
     * Exactly {@code length} bytes from {@code offset}.
     *
     * @throws ImageException when the range lies beyond {@link #size()}, the bytes cannot be read,
     *                        or the image's structures on the way are corrupt
     */
    byte[] read(long offset, int length) throws ImageException;

    /** A reader over bytes held in memory (copied). */
    static ByteReader of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new ByteReader() {
            @Override
            public long size() {
                return copy.length;
            }

            @Override
            public byte[] read(long offset, int length) throws ImageException {
                if (offset < 0 || length < 0 || offset > copy.length - (long) length) {
                    throw new ImageException("read of " + length + " bytes at offset " + offset
                            + " lies beyond the end of the " + copy.length + "-byte disk");
                }
                return Arrays.copyOfRange(copy, (int) offset, (int) offset + length);
            }
        };
    }
}
