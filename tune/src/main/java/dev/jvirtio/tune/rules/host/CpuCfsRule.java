package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.CpuTune;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.CgroupCpu;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.VmCgroup;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CPU-CFS: the CFS bandwidth limits (quota per period) on VM cgroups, cgroup v1 and v2, and in
 * guests' {@code <cputune>}. A limit fails when, with every vCPU busy, the guest would be throttled
 * for more than {@value #MAX_STALL_MICROS} µs of each period: guests see such stalls as lost timer
 * ticks, soft lockups and latency spikes.
 */
public final class CpuCfsRule implements Rule {

    /** The longest throttled stretch per period that passes, in microseconds. */
    public static final long MAX_STALL_MICROS = 50_000;
    /** The period recommended when a limit is kept, in microseconds. */
    public static final long SHORT_PERIOD_MICROS = 10_000;
    /** The kernel's default CFS period, in microseconds. */
    public static final long DEFAULT_PERIOD_MICROS = 100_000;

    private static final String REASON = "A CFS quota lets a group run QUOTA microseconds in every PERIOD; once its "
            + "threads have used the quota they all wait for the next period. The 2020 text gave cgroup v1's "
            + "cpu.cfs_period_us and cpu.cfs_quota_us; cgroup v2 writes both into cpu.max (libvirt: <cputune> "
            + "<period>/<quota>), and the same share with a shorter period stalls a guest for less time at once.";

    private static final RuleInfo INFO = new RuleInfo("CPU-CFS", "CPU", "CFS bandwidth limits of guests",
            Severity.WARN, """
            CPU-CFS: CFS bandwidth limits of guests

            The 2020 text: to give a guest enough time slices, use the cgroup files cpu.cfs_period_us and \
            cpu.cfs_quota_us (CFS is the Completely Fair Scheduler). period=100000 means the cgroup is accounted \
            every 100 ms; quota=25000 means 25 ms of CPU in each 100 ms; a change takes effect from the next period.

            Today: cgroup v2 replaces both files with one, cpu.max ("QUOTA PERIOD", or "max PERIOD" for no limit), \
            and relative shares with cpu.weight (v1: cpu.shares). libvirt sets them from <cputune>: <period> and \
            <quota> apply to each vCPU (the vcpuN child cgroups), <global_quota> to the whole guest. The mechanism \
            has a trap: when the threads of a group have used the quota, all of them are stopped until the next \
            period begins. A 4-vCPU guest limited to 1 CPU per 100 ms period that runs all vCPUs flat out uses its \
            quota in 25 ms and then stands still for 75 ms; inside, that looks like lost timer ticks, RCU stalls and \
            latency spikes.

            What jvirtio checks: every VM cgroup under machine.slice or machine, in the unified hierarchy and in the \
            v1 cpu controller, with its vcpuN/emulator/iothreadN children, and every guest's <cputune>. For each \
            limit it works out the longest stall per period with every vCPU busy (period - quota / threads) and \
            fails when that exceeds %d ms.

            Fix: keep the share, shorten the period (%d ms is a good start): for 25%% of a CPU use \
            "echo '2500 10000' > cpu.max" or virsh schedinfo GUEST --set vcpu_period=10000 vcpu_quota=2500."""
                    .formatted(MAX_STALL_MICROS / 1000, SHORT_PERIOD_MICROS / 1000));

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "no limit, or a limit that stalls a guest for at most " + MAX_STALL_MICROS / 1000
                + " ms per period";
        List<Finding> findings = new ArrayList<>();
        if (host.vmCgroups().isEmpty()) {
            findings.add(INFO.notApplicable(AuditContext.HOST, "no VM cgroups under machine.slice or machine "
                    + "(cgroup v2, or the v1 cpu controller)", expected, REASON));
        } else {
            List<String> evidence = new ArrayList<>();
            List<String> fixes = new ArrayList<>();
            for (VmCgroup group : host.vmCgroups()) {
                int vcpus = vcpusOf(group, context);
                List<String> parts = new ArrayList<>();
                judge(group.cpu(), Math.max(1, vcpus), true, parts, fixes);
                for (CgroupCpu thread : group.threads()) {
                    judge(thread, 1, false, parts, fixes);
                }
                if (parts.size() > 1 && parts.getFirst().equals("no limit")) {
                    parts.removeFirst();
                }
                evidence.add(group.guestName() + " (v" + group.cpu().version() + (vcpus > 0 ? ", " + vcpus
                        + " vCPUs" : "") + "): " + String.join("; ", parts));
            }
            String found = String.join(". ", evidence);
            findings.add(fixes.isEmpty() ? INFO.pass(AuditContext.HOST, found, expected, REASON)
                    : INFO.fail(AuditContext.HOST, found, expected, REASON, String.join("\n", fixes)));
        }
        for (Guest guest : context.guests()) {
            CpuTune tune = guest.cputune();
            if (tune.quotaMicros() == null || tune.quotaMicros() <= 0) {
                continue;
            }
            long period = tune.periodMicros() == null || tune.periodMicros() <= 0 ? DEFAULT_PERIOD_MICROS
                    : tune.periodMicros();
            long quota = tune.quotaMicros();
            long stall = period - Math.min(period, quota);
            String found = "<cputune> period " + period + " µs, quota " + quota + " µs: each vCPU may use "
                    + Units.decimal((double) quota / period) + " of a CPU and waits up to " + stall / 1000
                    + " ms per period";
            if (stall <= MAX_STALL_MICROS) {
                findings.add(INFO.pass(guest.name(), found, expected, REASON));
            } else {
                long shortQuota = Math.max(1000, quota * SHORT_PERIOD_MICROS / period);
                findings.add(INFO.fail(guest.name(), found, expected, REASON,
                        "<cputune><period>" + SHORT_PERIOD_MICROS + "</period><quota>" + shortQuota
                                + "</quota></cputune>\nvirsh schedinfo " + guest.name() + " --set vcpu_period="
                                + SHORT_PERIOD_MICROS + " vcpu_quota=" + shortQuota));
            }
        }
        return findings;
    }

    /**
     * Describes one cgroup's limit into {@code parts} (groups without a limit only when
     * {@code always}) and adds a fix when it stalls too long.
     */
    private static void judge(CgroupCpu group, int threads, boolean always, List<String> parts, List<String> fixes) {
        boolean child = group.name().matches("vcpu\\d+|emulator|iothread\\d+");
        String label = child ? group.name() + " " : "";
        long defaultWeight = group.version() == 2 ? 100 : 1024;
        String weight = group.weight().isPresent() && group.weight().getAsLong() != defaultWeight
                ? " (" + (group.version() == 2 ? "cpu.weight " : "cpu.shares ") + group.weight().getAsLong() + ")" : "";
        if (!group.limited()) {
            if (always || !weight.isEmpty()) {
                parts.add(label + "no limit" + weight);
            }
            return;
        }
        long period = group.periodMicros().getAsLong();
        long quota = group.quotaMicros().getAsLong();
        long stall = period - Math.min(period, quota / threads);
        String setting = group.version() == 2 ? "cpu.max " + quota + " " + period
                : "cfs_quota_us " + quota + "/cfs_period_us " + period;
        parts.add(label + setting + " = " + Units.decimal(group.cpus()) + " CPU"
                + (threads > 1 ? " for " + threads + " vCPUs" : "") + ", stalls up to " + stall / 1000 + " ms" + weight);
        if (stall > MAX_STALL_MICROS) {
            long shortQuota = Math.max(1000, quota * SHORT_PERIOD_MICROS / period);
            fixes.add(group.version() == 2
                    ? "echo '" + shortQuota + " " + SHORT_PERIOD_MICROS + "' > " + Shell.quote(group.path() + "/cpu.max")
                    : "echo " + SHORT_PERIOD_MICROS + " > " + Shell.quote(group.path() + "/cpu.cfs_period_us")
                    + "; echo " + shortQuota + " > " + Shell.quote(group.path() + "/cpu.cfs_quota_us"));
        }
    }

    /** The vCPU count of the guest behind a VM cgroup: from its configuration, else its vcpuN children. */
    private static int vcpusOf(VmCgroup group, AuditContext context) {
        Optional<Guest> guest = context.guests().stream().filter(g -> g.name().equals(group.guestName())).findFirst();
        return guest.map(Guest::vcpus).orElse(group.vcpus().size());
    }
}
