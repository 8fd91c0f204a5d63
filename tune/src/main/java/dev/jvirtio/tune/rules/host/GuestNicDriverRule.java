package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NetDevice;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** NET-VIRTIO, seen from inside a guest: network interfaces on virtio_net, not emulated NICs. */
public final class GuestNicDriverRule implements Rule {

    /** Drivers of NICs that QEMU emulates register by register. */
    static final Set<String> EMULATED = Set.of("e1000", "e1000e", "8139cp", "8139too", "ne2k-pci", "pcnet32",
            "tulip", "vmxnet3");

    private static final String REASON = "An emulated NIC (e1000, rtl8139) traps into the hypervisor on every register "
            + "access and moves one packet per exchange, while virtio_net shares rings with its back-end and "
            + "batches packets. The 2020 text said to use virtio_net; today it is also multiqueue (one queue pair "
            + "per vCPU with queues=N).";

    private static final RuleInfo INFO = new RuleInfo("NET-VIRTIO", "NET", "virtio_net inside the guest",
            Severity.WARN, """
            NET-VIRTIO (inside a guest): virtio_net

            The 2020 text: use virtio_net.

            Today: the same, with multiqueue: <driver queues='N'/> in libvirt or -netdev ...,queues=N with \
            -device virtio-net-pci,mq=on gives one queue pair per vCPU. Emulated NICs (e1000, e1000e, rtl8139 via \
            8139cp/8139too) remain for guests without virtio drivers only; SR-IOV virtual functions (ixgbevf, \
            iavf, mlx5_core) are passthrough, not emulation, and pass.

            What jvirtio checks, when the audited machine is a guest: the driver bound to every interface in \
            /sys/class/net that has a device.

            Fix on the host: <model type='virtio'/> in the interface's libvirt XML, or -device virtio-net-pci \
            for QEMU.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "every NIC on virtio_net (or a passed-through VF)";
        if (!host.virtualization().insideGuest()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "not a guest (" + host.virtualization().evidence()
                    + "); guests' NIC models are checked from their configurations", expected, REASON));
        }
        List<String> evidence = new ArrayList<>();
        List<String> emulated = new ArrayList<>();
        for (NetDevice device : host.netDevices()) {
            if (device.driver().isEmpty()) {
                continue;
            }
            evidence.add(device.name() + ": " + device.driver());
            if (EMULATED.contains(device.driver())) {
                emulated.add(device.name() + " (" + device.driver() + ")");
            }
        }
        if (evidence.isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no network interface with a device driver under "
                    + "/sys/class/net", expected, REASON));
        }
        String found = String.join(", ", evidence);
        if (emulated.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        return List.of(INFO.fail(AuditContext.HOST, found + ". Emulated: " + String.join(", ", emulated), expected,
                REASON, "on the host: <model type='virtio'/> in the <interface> (libvirt) or -device virtio-net-pci "
                        + "(QEMU)"));
    }
}
