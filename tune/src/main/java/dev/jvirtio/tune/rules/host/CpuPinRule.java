package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.CacheGroup;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NumaNode;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CPU-PIN: on a host with several NUMA nodes or last-level caches, each guest's vCPUs should be
 * pinned to CPUs that share a cache and a node, and guests should not share SMT siblings.
 */
public final class CpuPinRule implements Rule {

    private static final String REASON = "A vCPU pinned to one CPU, or to a set sharing a last-level cache, keeps its "
            + "instructions and data in cache; a vCPU that floats across sockets refills caches and reaches memory "
            + "over the interconnect. The 2020 advice (virsh vcpupin) still holds; today also pin the emulator "
            + "threads and IOThreads, keep pinned CPUs out of irqbalance, and do not let two guests share the SMT "
            + "siblings of one core.";

    private static final RuleInfo INFO = new RuleInfo("CPU-PIN", "CPU", "vCPUs pinned to cache-sharing CPUs",
            Severity.WARN, """
            CPU-PIN: vCPUs pinned to cache-sharing CPUs

            The 2020 text: pin a vCPU to one physical CPU, or to a set of CPUs that share a cache, so that its \
            instructions and data stay cached. The drawback: a pinned vCPU cannot run elsewhere even when other CPUs \
            are idle. The topology is in /sys/devices/system/cpu; pin with virsh vcpupin GUEST VCPU CPU,CPU.

            Today: the same, and more. Pin the emulator threads (virsh emulatorpin) and IOThreads (virsh \
            iothreadpin) next to the vCPUs, keep the pinned CPUs out of irqbalance (IRQBALANCE_BANNED_CPULIST), and \
            do not let the vCPUs of different guests share the SMT siblings of one core: siblings share L1/L2 \
            caches and execution units, so one guest slows the other, and L1TF/MDS-class side channels cross \
            between siblings.

            What jvirtio checks: on a host with more than one NUMA node or more than one last-level cache, each \
            guest must have its vCPUs pinned (libvirt <vcpupin>, or the affinity of a running QEMU's vCPU threads); \
            each vCPU's set must lie within one node and one last-level cache group; a guest that fits in one node \
            must not be spread over several; and a vCPU pinned to one CPU must not have a sibling thread pinned to \
            another guest. On a host with one node and one last-level cache every placement shares the cache, so \
            the rule does not apply.

            Fix: virsh vcpupin GUEST VCPU CPUSET for each vCPU (CPUSET from one cache group), virsh emulatorpin \
            GUEST CPUSET, or the <cputune> XML fragment the finding prints.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        List<CacheGroup> llcs = host.cpu().lastLevelCaches();
        String expected = "each vCPU pinned within one NUMA node and one last-level cache; no SMT core shared "
                + "between guests";
        if (context.guests().isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no guest configurations or QEMU processes were "
                    + "found", expected, REASON));
        }
        if (!host.numa() && llcs.size() <= 1) {
            String why = "the host has one NUMA node and " + (llcs.isEmpty() ? "no readable cache topology"
                    : "one last-level cache (L" + llcs.getFirst().level() + " shared by CPUs " + llcs.getFirst().cpus()
                    + ")") + ": every placement shares the cache";
            return context.guests().stream().map(g -> INFO.notApplicable(g.name(), why, expected, REASON)).toList();
        }
        Map<Integer, String> ownerOfCpu = new HashMap<>();
        Map<String, GuestPlacement> placements = new HashMap<>();
        for (Guest guest : context.guests()) {
            GuestPlacement placement = GuestPlacement.of(guest, host);
            placements.put(guest.name(), placement);
            for (CpuSet set : placement.pins().values()) {
                if (set.size() == 1) {
                    ownerOfCpu.putIfAbsent(set.toArray()[0], guest.name());
                }
            }
        }
        List<Finding> findings = new ArrayList<>();
        for (Guest guest : context.guests()) {
            CpuSet taken = CpuSet.empty();
            for (GuestPlacement other : placements.values()) {
                if (!other.guest().equals(guest.name())) {
                    for (int cpu : other.cpus().toArray()) {
                        taken = taken.union(host.cpu().siblingsOf(cpu));
                    }
                }
            }
            findings.add(judge(guest, placements.get(guest.name()), host, llcs, ownerOfCpu, taken, expected));
        }
        return findings;
    }

    private Finding judge(Guest guest, GuestPlacement placement, HostFacts host, List<CacheGroup> llcs,
                          Map<Integer, String> ownerOfCpu, CpuSet taken, String expected) {
        String topology = host.nodeCount() + " NUMA node" + (host.nodeCount() == 1 ? "" : "s") + " and "
                + llcs.size() + " last-level cache group" + (llcs.size() == 1 ? "" : "s");
        if (!placement.pinned()) {
            return INFO.fail(guest.name(), "no vCPU of the " + guest.vcpus() + " is pinned (" + placement.origin()
                    + "): they float over " + topology, expected, REASON, suggestPins(guest, host, llcs, taken));
        }
        List<String> problems = new ArrayList<>(placement.notes());
        if (placement.unpinned() > 0) {
            problems.add(placement.unpinned() + " of " + guest.vcpus() + " vCPUs are not pinned");
        }
        for (Map.Entry<Integer, CpuSet> pin : placement.pins().entrySet()) {
            CpuSet set = pin.getValue();
            List<NumaNode> nodes = host.nodesOf(set);
            if (nodes.size() > 1) {
                problems.add("vCPU " + pin.getKey() + " (CPUs " + set + ") spans NUMA nodes "
                        + nodes.stream().map(n -> Integer.toString(n.id())).toList());
            } else if (llcs.size() > 1 && llcs.stream().noneMatch(c -> c.cpus().containsAll(set))) {
                problems.add("vCPU " + pin.getKey() + " (CPUs " + set + ") spans last-level caches");
            }
            if (set.size() == 1) {
                int cpu = set.toArray()[0];
                for (int sibling : host.cpu().siblingsOf(cpu).toArray()) {
                    String owner = ownerOfCpu.get(sibling);
                    if (sibling != cpu && owner != null && !owner.equals(guest.name())) {
                        problems.add("vCPU " + pin.getKey() + " on CPU " + cpu + " shares a core with guest " + owner
                                + " on sibling CPU " + sibling);
                    }
                }
            }
        }
        List<NumaNode> guestNodes = host.nodesOf(placement.cpus());
        if (guestNodes.size() > 1 && host.nodes().stream().anyMatch(n -> n.cpus().size() >= guest.vcpus())) {
            problems.add("the guest fits in one node yet its vCPUs are spread over nodes "
                    + guestNodes.stream().map(n -> Integer.toString(n.id())).toList());
        }
        String pins = describe(placement);
        if (problems.isEmpty()) {
            return INFO.pass(guest.name(), "pinned (" + placement.origin() + "): " + pins
                    + (guest.emulatorPin().isEmpty() ? "; emulator threads not pinned" : "; emulator on "
                    + guest.emulatorPin()), expected, REASON);
        }
        return INFO.fail(guest.name(), "pinned (" + placement.origin() + "): " + pins + ". " + String.join("; ", problems),
                expected, REASON, suggestPins(guest, host, llcs, taken));
    }

    private static String describe(GuestPlacement placement) {
        Set<String> parts = new LinkedHashSet<>();
        placement.pins().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> parts.add("vCPU " + e.getKey() + " -> " + e.getValue()));
        return String.join(", ", parts);
    }

    /**
     * A placement that satisfies the rule: the first last-level cache group (else NUMA node) with
     * enough CPUs that no other guest is pinned to (nor to their SMT siblings), one core per vCPU
     * before second threads; the emulator on the rest of that group.
     */
    private static String suggestPins(Guest guest, HostFacts host, List<CacheGroup> llcs, CpuSet taken) {
        List<CpuSet> groups = new ArrayList<>(llcs.stream().map(CacheGroup::cpus).toList());
        host.nodes().forEach(n -> groups.add(n.cpus()));
        groups.add(host.cpu().online());
        int[] chosen = null;
        CpuSet group = host.cpu().online();
        for (CpuSet candidate : groups) {
            int[] free = coresFirst(candidate, taken, host);
            if (free.length >= guest.vcpus()) {
                chosen = free;
                group = candidate;
                break;
            }
        }
        StringBuilder xml = new StringBuilder("<cputune>\n");
        StringBuilder virsh = new StringBuilder();
        for (int vcpu = 0; vcpu < Math.min(guest.vcpus(), CpuSet.MAX_CPU); vcpu++) {
            String set = chosen != null ? Integer.toString(chosen[vcpu]) : group.toString();
            xml.append("  <vcpupin vcpu='").append(vcpu).append("' cpuset='").append(set).append("'/>\n");
            virsh.append("virsh vcpupin ").append(Shell.quote(guest.name())).append(' ').append(vcpu).append(' ')
                    .append(set).append('\n');
        }
        xml.append("  <emulatorpin cpuset='").append(group).append("'/>\n</cputune>");
        virsh.append("virsh emulatorpin ").append(Shell.quote(guest.name())).append(' ').append(group);
        return xml + "\n" + virsh;
    }

    /** The CPUs of {@code group} not in {@code taken}: the first thread of each core, then the others. */
    private static int[] coresFirst(CpuSet group, CpuSet taken, HostFacts host) {
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        for (int cpu : group.toArray()) {
            if (taken.contains(cpu)) {
                continue;
            }
            boolean firstFreeOfCore = true;
            for (int sibling : host.cpu().siblingsOf(cpu).toArray()) {
                if (sibling < cpu && group.contains(sibling) && !taken.contains(sibling)) {
                    firstFreeOfCore = false;
                }
            }
            (firstFreeOfCore ? first : second).add(cpu);
        }
        first.addAll(second);
        return first.stream().mapToInt(Integer::intValue).toArray();
    }
}
