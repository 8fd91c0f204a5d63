package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NetDevice;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.List;

/**
 * NET-DPDK-SRIOV: lists the SR-IOV capable interfaces and their virtual functions; capable
 * interfaces with none enabled are reported (info).
 */
public final class NetDpdkSriovRule implements Rule {

    private static final String REASON = "SR-IOV splits one physical NIC into virtual functions that guests can own "
            + "through passthrough, and DPDK moves packets in user space without the kernel; the 2020 text named "
            + "both as options. Today vhost-user with a user-space switch (OVS-DPDK) keeps migration possible, "
            + "while VFs give the lowest latency at the cost of migration.";

    private static final RuleInfo INFO = new RuleInfo("NET-DPDK-SRIOV", "NET", "SR-IOV virtual functions and DPDK",
            Severity.INFO, """
            NET-DPDK-SRIOV: SR-IOV virtual functions and DPDK

            The 2020 text: DPDK or SR-IOV can be used.

            Today: both are common for fast guest networking. SR-IOV: a capable NIC (sriov_totalvfs > 0) is split \
            into virtual functions by writing a count to /sys/class/net/DEV/device/sriov_numvfs; each VF is a PCI \
            device a guest can own through VFIO (see NET-PASSTHROUGH). DPDK: packets move in user-space polling \
            loops; with vhost-user a user-space switch (OVS-DPDK, or jvirtio's back-end) serves the guests' \
            virtio-net rings directly, which keeps live migration possible.

            What jvirtio checks: every interface with sriov_totalvfs, and how many VFs are enabled. A capable \
            interface with none enabled is reported as information, not as a problem.

            Fix: echo N > /sys/class/net/DEV/device/sriov_numvfs (persist with a udev rule or the NIC driver's \
            options).""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "SR-IOV capable NICs with virtual functions enabled where guests need them";
        List<NetDevice> capable = host.netDevices().stream().filter(NetDevice::sriovCapable).toList();
        if (capable.isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no interface offers SR-IOV (no sriov_totalvfs "
                    + "under /sys/class/net/*/device)", expected, REASON));
        }
        List<String> described = capable.stream().map(d -> d.name() + (d.driver().isEmpty() ? "" : " (" + d.driver()
                + ")") + ": " + d.sriovNumVfs().orElse(0) + " of " + d.sriovTotalVfs().getAsLong() + " VFs").toList();
        List<NetDevice> unused = capable.stream().filter(d -> d.sriovNumVfs().orElse(0) == 0).toList();
        String found = String.join(", ", described);
        if (unused.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        String fix = String.join("\n", unused.stream().map(d -> "echo " + Math.min(8, d.sriovTotalVfs().getAsLong())
                + " > /sys/class/net/" + d.name() + "/device/sriov_numvfs").toList());
        return List.of(INFO.fail(AuditContext.HOST, found + ": SR-IOV capable, no VFs enabled on "
                + String.join(", ", unused.stream().map(NetDevice::name).toList()), expected, REASON, fix));
    }
}
