package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.host.CpuSet;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a person asks of a plan beyond the practices.
 *
 * @param reserved  host CPUs kept for the host itself: no vCPU, emulator thread or IOThread is
 *                  pinned to them
 * @param cpuShares guest name to the CPUs' worth of time the whole guest may use (CFS bandwidth,
 *                  {@code 1.5} is one and a half CPUs)
 * @param hugepages back libvirt guests of 4 GiB or more with hugetlbfs pages, and size the pools
 */
public record PlanOptions(CpuSet reserved, Map<String, Double> cpuShares, boolean hugepages) {

    public PlanOptions {
        Objects.requireNonNull(reserved, "reserved");
        cpuShares = Map.copyOf(new TreeMap<>(cpuShares));
    }

    /** CPU 0 reserved for the host, no CPU shares, no hugetlbfs backing asked for. */
    public static PlanOptions defaults() {
        return new PlanOptions(CpuSet.of(0), Map.of(), false);
    }
}
