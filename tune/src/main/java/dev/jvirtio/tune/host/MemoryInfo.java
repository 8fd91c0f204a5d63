package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine's memory and swap from {@code /proc/meminfo} and {@code /proc/swaps}.
 *
 * @param totalKiB     {@code MemTotal}
 * @param availableKiB {@code MemAvailable}
 * @param swapTotalKiB {@code SwapTotal}
 * @param swapDevices  the swap areas listed in {@code /proc/swaps}
 * @param hugepageKiB  {@code Hugepagesize}: the default huge page size
 */
public record MemoryInfo(OptionalLong totalKiB, OptionalLong availableKiB, OptionalLong swapTotalKiB,
                         List<String> swapDevices, OptionalLong hugepageKiB) {

    public MemoryInfo {
        swapDevices = List.copyOf(swapDevices);
    }

    /** True when some swap area is active. */
    public boolean hasSwap() {
        return !swapDevices.isEmpty() || swapTotalKiB.orElse(0) > 0;
    }

    static MemoryInfo read(FactRoot root) {
        String meminfo = root.read("/proc/meminfo").orElse("");
        List<String> swaps = new ArrayList<>();
        for (String line : root.read("/proc/swaps").orElse("").split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 2 && !fields[0].equals("Filename") && !fields[0].isEmpty()) {
                swaps.add(fields[0]);
            }
        }
        return new MemoryInfo(field(meminfo, "MemTotal"), field(meminfo, "MemAvailable"),
                field(meminfo, "SwapTotal"), swaps, field(meminfo, "Hugepagesize"));
    }

    /**
     * The value in kB of {@code name} in a meminfo text, either {@code /proc/meminfo}'s
     * {@code "MemTotal:  123 kB"} or a node's {@code "Node 0 MemTotal:  123 kB"}.
     */
    static OptionalLong field(String meminfo, String name) {
        Matcher m = Pattern.compile("(?m)^(?:Node \\d+ )?" + Pattern.quote(name) + ":\\s+(\\d{1,18})").matcher(meminfo);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }
}
