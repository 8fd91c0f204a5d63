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
import java.util.Optional;

/**
 * MEM-NUMA: on a NUMA host each guest's vCPUs and memory should sit on the same node(s).
 */
public final class MemNumaRule implements Rule {

    private static final String REASON = "On a NUMA host each socket reaches its own memory faster and with more "
            + "bandwidth than another socket's, though all memory is reachable from every CPU. A guest whose vCPUs "
            + "run on one node while its memory comes from another pays the remote latency on every cache miss; "
            + "binding both to the same node (<numatune> with vCPU pins on that node's CPUs) avoids it.";

    private static final RuleInfo INFO = new RuleInfo("MEM-NUMA", "MEM", "Guest vCPUs and memory on one NUMA node",
            Severity.WARN, """
            MEM-NUMA: Guest vCPUs and memory on one NUMA node

            The 2020 text: in SMP every CPU shares one bus to memory, so latency and bandwidth suffer as CPUs are \
            added. In NUMA each processor has local memory with lower latency and more bandwidth, yet all memory \
            stays reachable from every CPU.

            Today: the same. A remote access costs roughly 1.3-2x a local one and shares the inter-socket link. The \
            kernel's automatic NUMA balancing (kernel.numa_balancing=1) migrates pages toward the threads that use \
            them, but it works after the fact and costs page faults; a guest that fits in one node is best bound to \
            it: its vCPUs pinned to that node's CPUs and its memory allocated there (<numatune><memory \
            mode='strict' nodeset='N'/></numatune>). A guest larger than a node should be given a matching virtual \
            NUMA topology instead.

            What jvirtio checks: /sys/devices/system/node (CPUs and memory of each node) against each guest's pins \
            and <numatune>. It fails a guest that binds neither vCPUs nor memory, whose vCPUs and memory are on \
            different nodes, whose vCPUs are spread over nodes although it fits in one, or whose memory does not \
            fit in the nodes it is bound to. One node: not applicable.

            Fix: the <numatune> and <cputune> fragments in the finding, or virsh numatune GUEST --mode strict \
            --nodeset N --config.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "each guest's vCPUs and memory bound to the same NUMA node(s)";
        if (!host.numa()) {
            String nodes = host.nodes().isEmpty() ? "no NUMA nodes listed" : "one NUMA node (node"
                    + host.nodes().getFirst().id() + ": CPUs " + host.nodes().getFirst().cpus() + ")";
            return List.of(INFO.notApplicable(AuditContext.HOST, nodes + ": all memory is local", expected, REASON));
        }
        List<Finding> findings = new ArrayList<>();
        List<String> summary = new ArrayList<>();
        for (NumaNode node : host.nodes()) {
            summary.add("node" + node.id() + ": CPUs " + node.cpus()
                    + node.memTotalKiB().stream().mapToObj(kib -> ", " + Units.kib(kib)).findFirst().orElse(""));
        }
        String balancing = host.vm().numaBalancing().isPresent()
                ? "kernel.numa_balancing=" + host.vm().numaBalancing().getAsLong() : "numa_balancing unknown";
        findings.add(INFO.pass(AuditContext.HOST, host.nodes().size() + " NUMA nodes (" + String.join("; ", summary)
                + "), " + balancing, expected, REASON));
        for (Guest guest : context.guests()) {
            findings.add(judge(guest, host, balancing, expected));
        }
        return findings;
    }

    private Finding judge(Guest guest, HostFacts host, String balancing, String expected) {
        GuestPlacement placement = GuestPlacement.of(guest, host);
        List<NumaNode> cpuNodes = placement.pinned() ? host.nodesOf(placement.cpus()) : List.of();
        Optional<CpuSet> memNodes = guest.numatune().nodeset().isBlank() ? Optional.empty()
                : CpuSet.tryParse(guest.numatune().nodeset());
        String mode = guest.numatune().mode().isEmpty() ? "strict" : guest.numatune().mode();
        List<String> evidence = new ArrayList<>();
        evidence.add(placement.pinned() ? "vCPUs on nodes " + ids(cpuNodes) : "vCPUs not pinned");
        evidence.add(memNodes.isPresent() ? "memory " + mode + " on nodes " + memNodes.get() : "memory not bound");
        evidence.add(Units.kib(guest.memoryKiB()) + " of memory, " + guest.vcpus() + " vCPUs");
        List<String> problems = new ArrayList<>();
        if (!guest.numatune().nodeset().isBlank() && memNodes.isEmpty()) {
            problems.add("the numatune nodeset '" + guest.numatune().nodeset() + "' is not a node list");
        }
        if (!placement.pinned() && memNodes.isEmpty()) {
            problems.add("neither vCPUs nor memory are bound (" + balancing + ")");
        }
        if (memNodes.isPresent() && placement.pinned()) {
            CpuSet cpuNodeIds = CpuSet.of(cpuNodes.stream().mapToInt(NumaNode::id).toArray());
            if (!memNodes.get().containsAll(cpuNodeIds)) {
                problems.add("vCPUs run on nodes " + cpuNodeIds + " but memory comes from nodes " + memNodes.get());
            }
        }
        Optional<NumaNode> fitting = host.nodes().stream()
                .filter(n -> n.cpus().size() >= guest.vcpus() && n.memTotalKiB().orElse(0) >= guest.memoryKiB())
                .findFirst();
        if (cpuNodes.size() > 1 && fitting.isPresent()) {
            problems.add("the guest fits in one node yet its vCPUs are spread over nodes " + ids(cpuNodes));
        }
        if (memNodes.isPresent() && mode.equals("strict")) {
            long available = host.nodes().stream().filter(n -> memNodes.get().contains(n.id()))
                    .mapToLong(n -> n.memTotalKiB().orElse(Long.MAX_VALUE / 64)).sum();
            if (available < guest.memoryKiB()) {
                problems.add("its memory does not fit in nodes " + memNodes.get() + " (" + Units.kib(available) + ")");
            }
        }
        String found = String.join("; ", evidence);
        if (problems.isEmpty()) {
            return INFO.pass(guest.name(), found, expected, REASON);
        }
        NumaNode target = fitting.orElse(host.nodes().getFirst());
        String fix = "<numatune>\n  <memory mode='strict' nodeset='" + target.id() + "'/>\n</numatune>\n"
                + "<cputune>\n" + pinsOnto(guest, target.cpus()) + "</cputune>\n"
                + "virsh numatune " + guest.name() + " --mode strict --nodeset " + target.id() + " --config";
        return INFO.fail(guest.name(), found + ". " + String.join("; ", problems), expected, REASON, fix);
    }

    private static String pinsOnto(Guest guest, CpuSet cpus) {
        StringBuilder xml = new StringBuilder();
        for (int vcpu = 0; vcpu < Math.min(guest.vcpus(), CpuSet.MAX_CPU); vcpu++) {
            xml.append("  <vcpupin vcpu='").append(vcpu).append("' cpuset='").append(cpus).append("'/>\n");
        }
        return xml.toString();
    }

    private static String ids(List<NumaNode> nodes) {
        return CpuSet.of(nodes.stream().mapToInt(NumaNode::id).toArray()).toString();
    }
}
