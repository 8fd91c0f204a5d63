package dev.jvirtio.tune.guest;

import java.util.Objects;

/**
 * One vCPU's pinning: the host CPUs it may run on.
 *
 * @param vcpu   the vCPU number, from 0
 * @param cpuset the host CPU set in libvirt/cpuset list syntax, for example {@code "2-3,6"}
 */
public record VcpuPin(int vcpu, String cpuset) {
    public VcpuPin {
        Objects.requireNonNull(cpuset, "cpuset");
    }
}
