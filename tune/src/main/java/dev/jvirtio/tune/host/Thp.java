package dev.jvirtio.tune.host;

import java.util.Optional;

/**
 * Transparent huge page settings from {@code /sys/kernel/mm/transparent_hugepage}.
 *
 * @param enabled the selected value of {@code enabled}: {@code always}, {@code madvise} or
 *                {@code never}; empty when unreadable
 * @param defrag  the selected value of {@code defrag}; empty when unreadable
 */
public record Thp(Optional<String> enabled, Optional<String> defrag) {

    private static final String DIR = "/sys/kernel/mm/transparent_hugepage";

    static Thp read(FactRoot root) {
        return new Thp(SysfsChoice.read(root, DIR + "/enabled").map(SysfsChoice::selected),
                SysfsChoice.read(root, DIR + "/defrag").map(SysfsChoice::selected));
    }
}
