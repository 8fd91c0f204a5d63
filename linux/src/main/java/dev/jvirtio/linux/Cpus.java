package dev.jvirtio.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * CPU lists in the kernel's notation ({@code "0-3,6"}), as in {@code /sys/devices/system/cpu/online},
 * {@code cpuset.cpus} and {@code taskset -c}.
 */
public final class Cpus {

    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");
    private static final int MAX_CPU = (1 << 16) - 1;

    private Cpus() {
    }

    /**
     * Parses a CPU list: comma-separated CPU numbers and inclusive ranges {@code a-b}, with
     * surrounding whitespace allowed. An empty or blank list is the empty set.
     *
     * @throws IllegalArgumentException naming the list and the bad part if it is malformed, has a
     *     range whose end is below its start, or a CPU above 65535
     */
    public static BitSet parseList(String list) {
        BitSet cpus = new BitSet();
        String trimmed = list.strip();
        if (trimmed.isEmpty()) {
            return cpus;
        }
        for (String part : trimmed.split(",", -1)) {
            String item = part.strip();
            int dash = item.indexOf('-');
            if (dash < 0) {
                cpus.set(cpu(list, item));
            } else {
                int first = cpu(list, item.substring(0, dash));
                int last = cpu(list, item.substring(dash + 1));
                if (last < first) {
                    throw new IllegalArgumentException(
                            "invalid CPU list '" + list + "': range " + item + " ends before it starts");
                }
                cpus.set(first, last + 1);
            }
        }
        return cpus;
    }

    /** Formats {@code cpus} in the kernel's notation, with ranges for runs: {@code {0,1,2,3,6}} is "0-3,6". */
    public static String format(BitSet cpus) {
        StringBuilder list = new StringBuilder();
        for (int start = cpus.nextSetBit(0); start >= 0; ) {
            int end = cpus.nextClearBit(start) - 1;
            if (!list.isEmpty()) {
                list.append(',');
            }
            list.append(start);
            if (end > start) {
                list.append('-').append(end);
            }
            start = end == Integer.MAX_VALUE ? -1 : cpus.nextSetBit(end + 1);
        }
        return list.toString();
    }

    /** The CPUs that are online, from {@code /sys/devices/system/cpu/online}. */
    public static BitSet online() {
        try {
            return parseList(Files.readString(ONLINE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the online CPUs from " + ONLINE, e);
        }
    }

    private static int cpu(String list, String text) {
        String digits = text.strip();
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("invalid CPU list '" + list + "': '" + text + "' is not a CPU number");
        }
        int cpu = Integer.parseInt(digits);
        if (cpu > MAX_CPU) {
            throw new IllegalArgumentException("invalid CPU list '" + list + "': CPU " + cpu + " is above " + MAX_CPU);
        }
        return cpu;
    }
}
