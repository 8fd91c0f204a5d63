package dev.jvirtio.cli.bench;

import dev.jvirtio.cli.SizeArgument;
import dev.jvirtio.cli.UserError;

/** Byte counts as people write them: {@code 4k}, {@code 64K}, {@code 1M}, {@code 2G}, {@code 512} (binary units). */
final class ByteSize {

    private ByteSize() {
    }

    /**
     * Parses a size as {@link SizeArgument#parse} does.
     *
     * @throws IllegalArgumentException with a sentence naming the text if it is not a positive size
     */
    static long parse(String text) {
        try {
            return SizeArgument.parse(text);
        } catch (UserError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The shortest exact form: 4096 is "4k", 1048576 is "1M", 1000 is "1000". */
    static String format(long bytes) {
        String[] units = {"", "k", "M", "G", "T"};
        int u = 0;
        while (u < units.length - 1 && bytes != 0 && bytes % 1024 == 0) {
            bytes /= 1024;
            u++;
        }
        return bytes + units[u];
    }
}
