package dev.jvirtio.tune.host;

import java.util.Objects;

/**
 * One cache and the CPUs sharing it, from {@code /sys/devices/system/cpu/cpuN/cache/indexK}.
 *
 * @param level the cache level (1, 2, 3, ...)
 * @param type  {@code Data}, {@code Instruction} or {@code Unified}
 * @param size  the size as the kernel writes it ({@code 32768K}), "" when unknown
 * @param cpus  {@code shared_cpu_list}
 */
public record CacheGroup(int level, String type, String size, CpuSet cpus) {
    public CacheGroup {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(cpus, "cpus");
    }
}
