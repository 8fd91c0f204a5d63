package dev.jvirtio.tune.host;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The CPU controls of one cgroup: CFS bandwidth (quota per period) and weight.
 *
 * @param path          the cgroup directory, as a path on the machine
 * @param version       1 (legacy {@code cpu} controller) or 2 (unified hierarchy)
 * @param quotaMicros   CPU time allowed per period in microseconds; empty when unlimited
 *                      ({@code max} in v2, -1 in v1) or unreadable
 * @param periodMicros  the CFS period in microseconds; empty when unreadable
 * @param weight        {@code cpu.weight} (v2, default 100) or {@code cpu.shares} (v1, default
 *                      1024); empty when unreadable
 */
public record CgroupCpu(String path, int version, OptionalLong quotaMicros, OptionalLong periodMicros,
                        OptionalLong weight) {

    public CgroupCpu {
        Objects.requireNonNull(path, "path");
    }

    /** The last name of the path ({@code vcpu0}, {@code machine-qemu\x2d1\x2dweb.scope}). */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** True when a quota limits the group. */
    public boolean limited() {
        return quotaMicros.isPresent() && periodMicros.isPresent() && periodMicros.getAsLong() > 0;
    }

    /** The CPUs' worth of time the quota allows (quota / period); only meaningful when limited. */
    public double cpus() {
        return limited() ? (double) quotaMicros.getAsLong() / periodMicros.getAsLong() : Double.POSITIVE_INFINITY;
    }

    /** The controls as the kernel files say them, for evidence. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        if (version == 2) {
            text.append("cpu.max ").append(quotaMicros.isPresent() ? Long.toString(quotaMicros.getAsLong()) : "max")
                    .append(' ').append(periodMicros.isPresent() ? Long.toString(periodMicros.getAsLong()) : "?");
            weight.ifPresent(w -> text.append(", cpu.weight ").append(w));
        } else {
            text.append("cfs_quota_us ").append(quotaMicros.isPresent() ? Long.toString(quotaMicros.getAsLong()) : "-1")
                    .append(", cfs_period_us ")
                    .append(periodMicros.isPresent() ? Long.toString(periodMicros.getAsLong()) : "?");
            weight.ifPresent(w -> text.append(", shares ").append(w));
        }
        return text.toString();
    }

    /** Reads the controls of the cgroup directory {@code path} of the given version. */
    static CgroupCpu read(FactRoot root, String path, int version) {
        if (version == 2) {
            OptionalLong quota = OptionalLong.empty();
            OptionalLong period = OptionalLong.empty();
            String max = root.readLine(path + "/cpu.max").orElse("");
            String[] parts = max.split("\\s+");
            if (!max.isEmpty()) {
                try {
                    if (!parts[0].equals("max")) {
                        quota = OptionalLong.of(Long.parseLong(parts[0]));
                    }
                    period = OptionalLong.of(parts.length > 1 ? Long.parseLong(parts[1]) : 100_000);
                } catch (NumberFormatException e) {
                    root.problem(path + "/cpu.max: expected 'QUOTA PERIOD', found '" + max + "'");
                    quota = OptionalLong.empty();
                }
            }
            return new CgroupCpu(path, 2, quota, period, root.readLong(path + "/cpu.weight"));
        }
        OptionalLong quota = root.readLong(path + "/cpu.cfs_quota_us");
        if (quota.isPresent() && quota.getAsLong() < 0) {
            quota = OptionalLong.empty();
        }
        return new CgroupCpu(path, 1, quota, root.readLong(path + "/cpu.cfs_period_us"),
                root.readLong(path + "/cpu.shares"));
    }
}
