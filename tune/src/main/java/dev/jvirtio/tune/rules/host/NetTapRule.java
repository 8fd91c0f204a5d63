package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NetDevice;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;

/**
 * NET-TAP, host side: a machine that runs guests needs {@code /dev/net/tun} for tap back-ends and
 * {@code /dev/vhost-net} for the in-kernel virtio-net data path.
 */
public final class NetTapRule implements Rule {

    private static final String REASON = "A tap interface hands the guest's Ethernet frames to the host's network "
            + "stack, which the 2020 text recommended as the NIC back-end. Without /dev/vhost-net every packet "
            + "still passes through QEMU's user-space loop; with it the kernel's vhost-net moves packets between "
            + "the tap and the guest's virtqueues directly (vhost-user moves them to a user-space switch instead).";

    private static final RuleInfo INFO = new RuleInfo("NET-TAP", "NET", "Tap and vhost-net available",
            Severity.WARN, """
            NET-TAP: Tap and vhost-net available

            The 2020 text: use tap as the NIC back-end.

            Today: tap is still the usual back-end (libvirt's bridge and network interfaces are taps), but the data \
            path matters more than the device: with vhost-net (the vhost_net module, /dev/vhost-net) the host \
            kernel services the guest's virtio-net rings itself, saving a trip through QEMU for every batch of \
            packets; vhost-user hands the rings to a user-space switch (OVS-DPDK, or jvirtio's own back-end) \
            instead. Without /dev/net/tun there are no taps at all.

            What jvirtio checks, on machines that run guests (not a guest itself, or one with /dev/kvm or QEMU \
            processes): that /dev/net/tun and /dev/vhost-net exist. The guest side of the same practice (each NIC's \
            back-end and vhost setting) is checked per guest.

            Fix: modprobe tun vhost_net; echo vhost_net > /etc/modules-load.d/vhost-net.conf.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "/dev/net/tun and /dev/vhost-net present";
        if (!host.hostsGuests() && context.guests().isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "this machine is a guest ("
                    + host.virtualization().evidence() + ") without /dev/kvm or QEMU processes: it runs no guests",
                    expected, REASON));
        }
        List<String> evidence = new ArrayList<>();
        evidence.add("/dev/net/tun " + (host.devices().tun() ? "present" : "missing"));
        evidence.add("/dev/vhost-net " + (host.devices().vhostNet() ? "present" : "missing"));
        List<String> taps = host.netDevices().stream().filter(NetDevice::tap).map(NetDevice::name).toList();
        if (!taps.isEmpty()) {
            evidence.add("tap interfaces: " + String.join(", ", taps));
        }
        long withoutVhost = context.guests().stream().flatMap((Guest g) -> g.nics().stream())
                .filter(n -> n.backend().equals("tap") || n.backend().equals("bridge") || n.backend().equals("network"))
                .filter(n -> !n.vhost()).count();
        if (withoutVhost > 0) {
            evidence.add(Units.count(withoutVhost, "tap-backed guest NIC") + " without vhost");
        }
        String found = String.join(", ", evidence);
        List<String> fix = new ArrayList<>();
        if (!host.devices().tun()) {
            fix.add("modprobe tun");
        }
        if (!host.devices().vhostNet()) {
            fix.add("modprobe vhost_net\necho vhost_net > /etc/modules-load.d/vhost-net.conf");
        }
        if (fix.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        return List.of(INFO.fail(AuditContext.HOST, found, expected, REASON, String.join("\n", fix)));
    }
}
