package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.Nic;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** NET-TAP: NICs are backed by tap with vhost-net (or by vhost-user), not by user-mode networking. */
public final class TapBackendRule extends GuestRule {

    public TapBackendRule() {
        super("NET-TAP", "NET", "NICs use a tap back-end with vhost-net, or vhost-user", Severity.WARN,
                "tap/bridge/network back-end with vhost-net on, or a vhost-user back-end",
                "User-mode networking (slirp, passt) runs a TCP/IP stack inside QEMU's process and copies every"
                        + " packet through it; it is meant for convenience, not throughput. The 2020 advice was a tap"
                        + " back-end; today the tap should also have vhost-net, which moves the virtio-net data path"
                        + " into the host kernel, or the NIC should use vhost-user to a user-space switch.",
                """
                NET-TAP: the NIC's back-end

                The text: use tap as the NIC back-end.

                Today: tap plus vhost-net. With a plain tap QEMU's own thread copies every packet
                between the virtqueue and the tap file descriptor; with vhost-net (/dev/vhost-net) a
                kernel thread does it without leaving the kernel. libvirt turns vhost-net on for virtio
                NICs on network, bridge and direct interfaces unless <driver name='qemu'/> forbids it;
                QEMU needs vhost=on on -netdev tap. vhost-user (a DPDK or other user-space switch, or
                jvirtio's own net back-end) is the other fast path. User-mode networking (-net user,
                <interface type='user'>) is for desktops and tests.

                The audit judges each NIC that is not passed through; the host side (/dev/net/tun,
                /dev/vhost-net present) is part of the host audit.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<String> slow = new ArrayList<>();
        List<String> fast = new ArrayList<>();
        for (Nic n : guest.nics()) {
            String name = NetworkModelRule.describe(n);
            switch (n.backend()) {
                case "hostdev" -> {
                    // judged by NET-PASSTHROUGH
                }
                case "vhostuser" -> fast.add(name + " (vhost-user)");
                case "user" -> slow.add(name + ": user-mode networking");
                case "tap", "bridge", "network", "direct" -> {
                    if (!n.model().startsWith("virtio")) {
                        slow.add(name + ": vhost-net needs a virtio NIC");
                    } else if (n.vhost()) {
                        fast.add(name + " with vhost-net");
                    } else {
                        slow.add(name + " without vhost-net");
                    }
                }
                default -> slow.add(name + ": back-end " + n.backend() + " is neither tap nor vhost-user");
            }
        }
        if (slow.isEmpty() && fast.isEmpty()) {
            return notApplicable(guest, "the guest has no NICs other than passed-through ones");
        }
        if (slow.isEmpty()) {
            return pass(guest, String.join("; ", fast));
        }
        String fix = libvirt(guest)
                ? "<interface type='bridge'>\n  <source bridge='br0'/>\n  <model type='virtio'/>\n"
                        + "  <driver name='vhost'/>\n</interface>"
                : "-netdev tap,id=net0,ifname=tap0,script=no,downscript=no,vhost=on -device virtio-net-pci,netdev=net0";
        return fail(guest, String.join("; ", slow), fix);
    }
}
