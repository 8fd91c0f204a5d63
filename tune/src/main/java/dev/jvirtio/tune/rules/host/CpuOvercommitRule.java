package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NumaNode;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CPU-OVERCOMMIT: the ratio of guest vCPUs to host CPUs, over the whole host, per NUMA node (for
 * vCPUs pinned inside one node) and per pinned CPU.
 */
public final class CpuOvercommitRule implements Rule {

    /** More vCPUs than this per host CPU fails, host-wide and per node. */
    static final double MAX_RATIO = 4.0;
    /** More pinned vCPUs' worth than this on one host CPU fails: pinning is meant to dedicate CPUs. */
    public static final double MAX_PINNED_LOAD = 2.0;

    private static final String REASON = "Each vCPU is a host thread; when more vCPUs are runnable than there are "
            + "CPUs they wait for each other and add context switches, and a guest whose vCPU is descheduled while "
            + "holding a lock stalls all its other vCPUs. A few vCPUs per CPU is safe at moderate load; pinned vCPUs "
            + "should not be stacked on the same CPUs.";

    private static final RuleInfo INFO = new RuleInfo("CPU-OVERCOMMIT", "CPU", "vCPUs per host CPU", Severity.WARN,
            """
            CPU-OVERCOMMIT: vCPUs per host CPU

            The 2020 text: every guest is a process and every vCPU a thread of it; because SMP runs many threads at \
            once, CPUs can be overcommitted (more vCPUs than CPUs), but overcommit adds context switches and can cost \
            performance.

            Today: the same holds. A few vCPUs per CPU is safe at moderate load. Heavily overcommitted guests suffer \
            lock-holder preemption: a vCPU descheduled while holding a spinlock makes the guest's other vCPUs spin. \
            Pinned vCPUs are meant to have their CPUs to themselves, so stacking them defeats the pinning.

            What jvirtio checks: the sum of the guests' vCPUs against the online CPUs (more than %s:1 fails), the \
            vCPUs pinned inside each NUMA node against that node's CPUs (same limit), and how many pinned vCPUs \
            share each host CPU (a vCPU pinned to a set of n CPUs counts 1/n on each; more than %s on one CPU fails).

            Fix: move guests to another host, reduce their vCPUs, or spread their pins (virsh vcpupin)."""
                    .formatted(Units.decimal(MAX_RATIO), Units.decimal(MAX_PINNED_LOAD)));

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "at most " + Units.ratio(MAX_RATIO) + " vCPUs per CPU host-wide and per NUMA node; at most "
                + Units.decimal(MAX_PINNED_LOAD) + " pinned vCPUs per CPU";
        if (context.guests().isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no guest configurations or QEMU processes were found "
                    + "(give --domain-xml, --qemu-cmdline or --connect)", expected, REASON));
        }
        int cpus = host.cpu().online().size();
        if (cpus == 0) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "the host's online CPUs could not be read from "
                    + "/sys/devices/system/cpu", expected, REASON));
        }
        int vcpus = context.guests().stream().mapToInt(Guest::vcpus).sum();
        double ratio = (double) vcpus / cpus;
        List<String> evidence = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        evidence.add(Units.count(vcpus, "vCPU") + " of " + Units.count(context.guests().size(), "guest") + " on " + cpus
                + " CPUs: " + Units.ratio(ratio));
        if (ratio > MAX_RATIO) {
            failures.add("host-wide " + Units.ratio(ratio));
        }
        double[] load = new double[CpuSet.MAX_CPU];
        int[] nodeVcpus = new int[host.nodes().size()];
        for (Guest guest : context.guests()) {
            GuestPlacement placement = GuestPlacement.of(guest, host);
            for (Map.Entry<Integer, CpuSet> pin : placement.pins().entrySet()) {
                CpuSet set = pin.getValue();
                for (int cpu : set.toArray()) {
                    load[cpu] += 1.0 / set.size();
                }
                for (int i = 0; i < host.nodes().size(); i++) {
                    if (host.nodes().get(i).cpus().containsAll(set)) {
                        nodeVcpus[i]++;
                    }
                }
            }
        }
        if (host.numa()) {
            for (int i = 0; i < host.nodes().size(); i++) {
                NumaNode node = host.nodes().get(i);
                if (nodeVcpus[i] == 0 || node.cpus().isEmpty()) {
                    continue;
                }
                double nodeRatio = (double) nodeVcpus[i] / node.cpus().size();
                evidence.add("node " + node.id() + ": " + nodeVcpus[i] + " vCPUs pinned on its " + node.cpus().size()
                        + " CPUs (" + Units.ratio(nodeRatio) + ")");
                if (nodeRatio > MAX_RATIO) {
                    failures.add("node " + node.id() + " " + Units.ratio(nodeRatio));
                }
            }
        }
        List<Integer> crowded = new ArrayList<>();
        double worst = 0;
        for (int cpu = 0; cpu < load.length; cpu++) {
            worst = Math.max(worst, load[cpu]);
            if (load[cpu] > MAX_PINNED_LOAD + 1e-9) {
                crowded.add(cpu);
            }
        }
        if (worst > 0) {
            evidence.add("busiest pinned CPU carries " + Units.decimal(worst) + " vCPUs");
        }
        if (!crowded.isEmpty()) {
            String set = CpuSet.of(crowded.stream().mapToInt(Integer::intValue).toArray()).toString();
            failures.add("pinned CPUs " + set + " carry more than " + Units.decimal(MAX_PINNED_LOAD) + " vCPUs each");
        }
        String found = String.join("; ", evidence);
        if (failures.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        return List.of(INFO.fail(AuditContext.HOST, found + ". Overcommitted: " + String.join(", ", failures),
                expected, REASON, "move guests to another host or give them fewer vCPUs; spread pinned vCPUs with "
                        + "'virsh vcpupin GUEST VCPU CPUSET' so that no CPU carries more than "
                        + Units.decimal(MAX_PINNED_LOAD)));
    }
}
