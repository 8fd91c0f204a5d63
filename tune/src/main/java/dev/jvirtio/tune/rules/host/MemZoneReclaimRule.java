package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.List;

/** MEM-ZONE-RECLAIM: {@code vm.zone_reclaim_mode} must be 0 on NUMA hosts. */
public final class MemZoneReclaimRule implements Rule {

    private static final String REASON = "With zone_reclaim_mode on, a NUMA node that runs out of free memory "
            + "reclaims (and may write back or swap) its own pages instead of allocating from another node, so "
            + "guests stall in reclaim while memory sits free elsewhere. The 2020 text said to disable it; kernels "
            + "since about 3.16 default to 0, so a non-zero value was set on purpose or by an old tuning profile.";

    private static final RuleInfo INFO = new RuleInfo("MEM-ZONE-RECLAIM", "MEM", "zone_reclaim_mode off",
            Severity.WARN, """
            MEM-ZONE-RECLAIM: zone_reclaim_mode off

            The 2020 text: disable /proc/sys/vm/zone_reclaim_mode. With it on, when the local node is full the \
            kernel reclaims local memory rather than allocating from another node. KSM and huge pages both cause \
            such reclaim.

            Today: the kernel stopped turning it on automatically for large node distances around Linux 3.16, so 0 \
            is the default. A host that has it on trades a remote access (a few tens of percent slower) for \
            reclaim stalls, page-cache thrashing and, with bit 2 or 4 set, write-back and swapping on the local \
            node, which is a poor trade for guests whose memory is large and long-lived.

            What jvirtio checks: /proc/sys/vm/zone_reclaim_mode is 0 on hosts with more than one NUMA node; it \
            does not apply to one node.

            Fix: sysctl -w vm.zone_reclaim_mode=0 and the same line in \
            /etc/sysctl.d/90-jvirtio-zone-reclaim.conf.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "vm.zone_reclaim_mode=0";
        if (!host.numa()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "one NUMA node: there is no remote node to prefer",
                    expected, REASON));
        }
        if (host.vm().zoneReclaimMode().isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "/proc/sys/vm/zone_reclaim_mode could not be read",
                    expected, REASON));
        }
        long mode = host.vm().zoneReclaimMode().getAsLong();
        String found = "vm.zone_reclaim_mode=" + mode + " on " + host.nodes().size() + " NUMA nodes";
        if (mode == 0) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        return List.of(INFO.fail(AuditContext.HOST, found, expected, REASON,
                "sysctl -w vm.zone_reclaim_mode=0\n"
                        + "echo 'vm.zone_reclaim_mode = 0' > /etc/sysctl.d/90-jvirtio-zone-reclaim.conf"));
    }
}
