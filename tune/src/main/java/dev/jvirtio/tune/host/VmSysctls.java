package dev.jvirtio.tune.host;

import java.util.OptionalLong;

/**
 * The memory-management settings under {@code /proc/sys/vm} that the practices speak of, plus
 * {@code kernel.numa_balancing}. Each is empty when the file is missing or malformed.
 */
public record VmSysctls(OptionalLong swappiness, OptionalLong zoneReclaimMode, OptionalLong overcommitMemory,
                        OptionalLong dirtyRatio, OptionalLong dirtyBackgroundRatio, OptionalLong numaBalancing) {

    static VmSysctls read(FactRoot root) {
        return new VmSysctls(root.readLong("/proc/sys/vm/swappiness"),
                root.readLong("/proc/sys/vm/zone_reclaim_mode"),
                root.readLong("/proc/sys/vm/overcommit_memory"),
                root.readLong("/proc/sys/vm/dirty_ratio"),
                root.readLong("/proc/sys/vm/dirty_background_ratio"),
                root.readLong("/proc/sys/kernel/numa_balancing"));
    }
}
