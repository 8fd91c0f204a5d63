package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.host.CpuSet;

import java.util.List;
import java.util.Objects;

/**
 * Where a guest's threads are planned to run.
 *
 * @param guest        the guest's name
 * @param vcpus        each vCPU's host CPUs, in vCPU order
 * @param housekeeping the CPUs of its emulator threads and IOThreads
 * @param nodes        the NUMA nodes its vCPUs and memory are bound to
 * @param shared       true when its vCPUs share CPUs because it did not fit on free cores
 */
record Placement(String guest, List<CpuSet> vcpus, CpuSet housekeeping, CpuSet nodes, boolean shared) {

    Placement {
        Objects.requireNonNull(guest, "guest");
        vcpus = List.copyOf(vcpus);
        Objects.requireNonNull(housekeeping, "housekeeping");
        Objects.requireNonNull(nodes, "nodes");
    }

    /** Every CPU a vCPU of the guest may run on. */
    CpuSet vcpuCpus() {
        CpuSet all = CpuSet.empty();
        for (CpuSet set : vcpus) {
            all = all.union(set);
        }
        return all;
    }
}
