package dev.jvirtio.cli;

import java.util.Locale;

/**
 * Sizes on the command line as people write them: {@code 512}, {@code 4k}, {@code 64M}, {@code 1G},
 * {@code 2TiB} (powers of 1024; an optional trailing "iB" or "B" is allowed).
 */
public final class SizeArgument {

    private SizeArgument() {
    }

    /**
     * Parses {@code text} as a positive size.
     *
     * @throws UserError with a sentence naming the text if it is not a positive size
     */
    public static long parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            shift = switch (t.charAt(t.length() - 1)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            if (shift > 0) {
                t = t.substring(0, t.length() - 1);
            }
        }
        long value;
        try {
            value = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new UserError("'" + text + "' is not a size; write it like 4k, 64k, 1M or 2G");
        }
        if (value <= 0 || value > (Long.MAX_VALUE >> shift)) {
            throw new UserError("size '" + text + "' must be positive and below 8 EiB");
        }
        return value << shift;
    }
}
