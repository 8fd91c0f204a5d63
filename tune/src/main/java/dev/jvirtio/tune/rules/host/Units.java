package dev.jvirtio.tune.rules.host;

import java.util.Locale;

/** How findings write sizes and ratios. */
final class Units {

    private Units() {
    }

    /** A size given in KiB, in the largest binary unit that keeps it at least 1: {@code "16 GiB"}. */
    static String kib(long kib) {
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = kib;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value))
                + " " + units[unit];
    }

    /** A ratio written as {@code "1.5:1"}. */
    static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.1f:1", ratio);
    }

    /** A fraction of a CPU or a share, with up to two decimals: {@code "0.25"}. */
    static String decimal(double value) {
        String text = String.format(Locale.ROOT, "%.2f", value);
        return text.replaceAll("\\.?0+$", "");
    }

    /** {@code "1 guest"}, {@code "3 guests"}. */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
