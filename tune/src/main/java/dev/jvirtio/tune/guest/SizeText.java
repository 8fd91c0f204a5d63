package dev.jvirtio.tune.guest;

import java.util.Locale;

/** Reads memory sizes written the way QEMU and libvirt write them. */
final class SizeText {

    private SizeText() {
    }

    /**
     * A QEMU size ({@code 4G}, {@code 512M}, {@code 2048}) in KiB; a bare number is in
     * {@code defaultUnitBytes}.
     *
     * @throws IllegalArgumentException when the text is not a size
     */
    static long qemuKiB(String text, long defaultUnitBytes) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        long unit = defaultUnitBytes;
        String digits = t;
        if (Character.isLetter(last)) {
            digits = t.substring(0, t.length() - 1);
            if (digits.endsWith("i") || digits.endsWith("I")) {
                digits = digits.substring(0, digits.length() - 1);
            }
            unit = switch (last) {
                case 'B' -> 1;
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                case 'T' -> 1L << 40;
                default -> throw new IllegalArgumentException("unknown size suffix in '" + text + "'");
            };
        }
        double number;
        try {
            number = Double.parseDouble(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size");
        }
        if (number < 0 || number * unit / 1024 > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("size '" + text + "' is out of range");
        }
        return (long) (number * unit / 1024);
    }

    /**
     * A libvirt size: {@code value} in {@code unit} (libvirt's units: b, bytes, KB, k, KiB, MB, M,
     * MiB, GB, G, GiB, TB, T, TiB; default KiB), in KiB.
     *
     * @throws IllegalArgumentException when the value or unit is not understood
     */
    static long libvirtKiB(String value, String unit) {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a number");
        }
        if (n < 0) {
            throw new IllegalArgumentException("negative size " + n);
        }
        String u = unit == null || unit.isEmpty() ? "KiB" : unit;
        double bytesPerUnit = switch (u.toLowerCase(Locale.ROOT)) {
            case "b", "bytes" -> 1;
            case "kb" -> 1e3;
            case "k", "kib" -> 1024;
            case "mb" -> 1e6;
            case "m", "mib" -> 1 << 20;
            case "gb" -> 1e9;
            case "g", "gib" -> 1 << 30;
            case "tb" -> 1e12;
            case "t", "tib" -> (double) (1L << 40);
            default -> throw new IllegalArgumentException("unknown unit '" + unit + "'");
        };
        return (long) Math.min(Long.MAX_VALUE / 2.0, n * bytesPerUnit / 1024);
    }
}
