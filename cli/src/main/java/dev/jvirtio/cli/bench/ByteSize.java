package dev.jvirtio.cli.bench;

import java.util.Locale;

/** Byte counts as people write them: {@code 4k}, {@code 64K}, {@code 1M}, {@code 2G}, {@code 512} (binary units). */
final class ByteSize {

    private ByteSize() {
    }

    /**
     * Parses a size with an optional k/m/g/t suffix (powers of 1024; an optional trailing "iB" or "B" is allowed).
     *
     * @throws IllegalArgumentException with a sentence naming the text if it is not a positive size
     */
    static long parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> shift = -1;
            }
            if (shift >= 0) {
                t = t.substring(0, t.length() - 1);
            } else {
                shift = 0;
            }
        }
        long value;
        try {
            value = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write it like 4k, 64k, 1M or 2G");
        }
        if (value <= 0 || value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size '" + text + "' must be positive and below 8 EiB");
        }
        return value << shift;
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
