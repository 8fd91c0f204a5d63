package dev.jvirtio.tune.guest;

/**
 * A guest's CFS bandwidth and weight controls ({@code <cputune>}; QEMU itself has none).
 * Each part is null when not configured.
 *
 * @param periodMicros the CFS period in microseconds
 * @param quotaMicros  the CFS quota in microseconds per period (negative: unlimited)
 * @param shares       the relative weight (cgroup v1 {@code cpu.shares}; libvirt maps it to v2
 *                     {@code cpu.weight})
 */
public record CpuTune(Long periodMicros, Long quotaMicros, Long shares) {
    /** No controls configured. */
    public static final CpuTune NONE = new CpuTune(null, null, null);
}
