package dev.jvirtio.e2e;

import java.io.RandomAccessFile;
import java.nio.file.Path;

/** The host's view of an image file a guest used: its bytes, read with plain file I/O. */
final class HostImage {

    private HostImage() {
    }

    /** {@code length} bytes of {@code image} from {@code offset}. */
    static byte[] read(Path image, long offset, int length) throws Exception {
        byte[] b = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(offset);
            f.readFully(b);
        }
        return b;
    }
}
