package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.CgroupCpu;
import dev.jvirtio.tune.host.VmCgroup;
import dev.jvirtio.tune.rules.host.CpuCfsRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CPU-CFS, host side: the CFS bandwidth limits of running guests' cgroups. A limit that stalls a
 * guest for more than {@link CpuCfsRule#MAX_STALL_MICROS} µs per period keeps its share with a
 * {@link CpuCfsRule#SHORT_PERIOD_MICROS} µs period; a share asked for with
 * {@link PlanOptions#cpuShares()} becomes the whole guest's limit with that period. cgroup v2 gets
 * {@code cpu.max}; v1 gets {@code cpu.cfs_quota_us} and {@code cpu.cfs_period_us}, written in the
 * order that never lets the group exceed either its old or its new share on the way.
 */
final class CfsPlanner {

    /** The smallest quota the kernel accepts, in microseconds. */
    static final long MIN_QUOTA_MICROS = 1000;

    private CfsPlanner() {
    }

    static List<Change> plan(PlanContext c) {
        List<Change> changes = new ArrayList<>();
        for (VmCgroup group : c.host.vmCgroups()) {
            Optional<Guest> guest = c.guests.stream().filter(g -> g.name().equals(group.guestName())).findFirst();
            int vcpus = Math.max(1, guest.map(Guest::vcpus).orElse(group.vcpus().size()));
            Double share = c.options.cpuShares().get(group.guestName());
            if (share != null) {
                limit(group.cpu(), quotaFor(share), CpuCfsRule.SHORT_PERIOD_MICROS, changes);
            } else {
                shorten(group.cpu(), vcpus, changes);
            }
            for (CgroupCpu thread : group.threads()) {
                shorten(thread, 1, changes);
            }
        }
        return changes;
    }

    /** The quota in microseconds per short period for {@code share} CPUs. */
    static long quotaFor(double share) {
        return Math.max(MIN_QUOTA_MICROS, Math.round(share * CpuCfsRule.SHORT_PERIOD_MICROS));
    }

    /**
     * The quota that keeps a limit's share with the short period, if the limit stalls
     * {@code threads} busy threads for too long; empty when it does not.
     */
    static Optional<Long> shortenedQuota(long quota, long period, int threads) {
        if (period <= 0 || quota <= 0) {
            return Optional.empty();
        }
        long stall = period - Math.min(period, quota / Math.max(1, threads));
        if (stall <= CpuCfsRule.MAX_STALL_MICROS) {
            return Optional.empty();
        }
        return Optional.of(Math.max(MIN_QUOTA_MICROS, quota * CpuCfsRule.SHORT_PERIOD_MICROS / period));
    }

    /** Checks the asked shares against the guests. */
    static void check(PlanOptions options, List<Guest> guests) throws PlanException {
        for (Map.Entry<String, Double> share : options.cpuShares().entrySet()) {
            Optional<Guest> guest = guests.stream().filter(g -> g.name().equals(share.getKey())).findFirst();
            if (guest.isEmpty()) {
                throw new PlanException("There is no guest named '" + share.getKey() + "' to give a CPU share; the "
                        + "guests are " + guests.stream().map(Guest::name).toList() + ".");
            }
            double cpus = share.getValue();
            if (!(cpus * CpuCfsRule.SHORT_PERIOD_MICROS >= MIN_QUOTA_MICROS) || cpus > guest.get().vcpus()) {
                throw new PlanException("A CPU share of " + cpus + " for guest " + share.getKey() + " is out of range: "
                        + "give between " + (double) MIN_QUOTA_MICROS / CpuCfsRule.SHORT_PERIOD_MICROS + " and its "
                        + guest.get().vcpus() + " vCPUs.");
            }
        }
    }

    private static void shorten(CgroupCpu group, int threads, List<Change> changes) {
        if (!group.limited()) {
            return;
        }
        shortenedQuota(group.quotaMicros().getAsLong(), group.periodMicros().getAsLong(), threads)
                .ifPresent(quota -> limit(group, quota, CpuCfsRule.SHORT_PERIOD_MICROS, changes));
    }

    private static void limit(CgroupCpu group, long quota, long period, List<Change> changes) {
        if (group.version() == 2) {
            String from = (group.quotaMicros().isPresent() ? Long.toString(group.quotaMicros().getAsLong()) : "max")
                    + " " + (group.periodMicros().isPresent() ? group.periodMicros().getAsLong() : 100_000);
            String to = quota + " " + period;
            if (!from.equals(to)) {
                changes.add(new SettingWrite("CPU-CFS", "host", group.path() + "/cpu.max", from, to, to));
            }
            return;
        }
        long oldQuota = group.quotaMicros().orElse(-1);
        long oldPeriod = group.periodMicros().orElse(100_000);
        SettingWrite quotaWrite = new SettingWrite("CPU-CFS", "host", group.path() + "/cpu.cfs_quota_us",
                Long.toString(oldQuota), Long.toString(quota), Long.toString(quota));
        SettingWrite periodWrite = new SettingWrite("CPU-CFS", "host", group.path() + "/cpu.cfs_period_us",
                Long.toString(oldPeriod), Long.toString(period), Long.toString(period));
        boolean quotaChanges = oldQuota != quota;
        boolean periodChanges = oldPeriod != period;
        // Quota first when the share in between (new quota over old period) is the smaller one;
        // period first when there was no limit, so that there is none in between either.
        boolean quotaFirst = oldQuota >= 0 && (double) quota / oldPeriod <= (double) oldQuota / period;
        if (quotaFirst) {
            if (quotaChanges) {
                changes.add(quotaWrite);
            }
            if (periodChanges) {
                changes.add(periodWrite);
            }
        } else {
            if (periodChanges) {
                changes.add(periodWrite);
            }
            if (quotaChanges) {
                changes.add(quotaWrite);
            }
        }
    }
}
