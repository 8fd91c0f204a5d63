package dev.jvirtio.tune.host;

import java.util.Objects;

/**
 * One online logical CPU and where it sits.
 *
 * @param id             the CPU number
 * @param socket         {@code topology/physical_package_id}, -1 when unknown
 * @param core           {@code topology/core_id}, -1 when unknown
 * @param threadSiblings {@code topology/thread_siblings_list}: the CPUs sharing this CPU's core
 *                       (itself included); just itself without SMT
 */
public record Cpu(int id, int socket, int core, CpuSet threadSiblings) {
    public Cpu {
        Objects.requireNonNull(threadSiblings, "threadSiblings");
    }
}
