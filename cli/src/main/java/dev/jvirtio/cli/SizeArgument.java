package dev.jvirtio.cli;

import java.util.Locale;

/** Sizes on the command line: a number with an optional K, M, G or T suffix (powers of 1024). */
public final class SizeArgument {

    private SizeArgument() {
    }

    /**
     * Parses {@code text} such as {@code 4096}, {@code 4k}, {@code 64M}, {@code 1G}.
     *
     * @throws UserError if the text is not a positive size
     */
    public static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> { }
            }
        }
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        try {
            long value = Long.parseLong(digits);
            if (value <= 0 || value > (Long.MAX_VALUE >> shift)) {
                throw new UserError("size " + text + " must be positive and below 8 EiB");
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw new UserError("size " + text + " is not a number with an optional K, M, G or T suffix");
        }
    }
}
