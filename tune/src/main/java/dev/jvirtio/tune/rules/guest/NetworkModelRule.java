package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.Nic;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** NET-VIRTIO: every NIC uses the virtio_net model. */
public final class NetworkModelRule extends GuestRule {

    public NetworkModelRule() {
        super("NET-VIRTIO", "NET", "NICs use the virtio-net model", Severity.WARN,
                "<model type='virtio'/> (QEMU: -device virtio-net-pci) on every NIC that is not passed through",
                "e1000 and rtl8139 are emulated register by register, so every packet costs several exits to QEMU"
                        + " and the guest sees a 1 Gbit/s (or 100 Mbit/s) card with no multiqueue. virtio-net moves"
                        + " packets through shared rings and, with vhost-net, never leaves the kernel. The 2020 advice"
                        + " (use virtio_net) stands; today it also means multiqueue (queues=N).",
                """
                NET-VIRTIO: use virtio-net

                The text: use the virtio_net driver for guest networking.

                Today: the same, plus multiqueue virtio-net (one queue pair per vCPU, see VIRTIO-VQ).
                A NIC declared without a model gets QEMU's machine default, e1000 on i440fx and e1000e
                on q35, both emulated. rtl8139 is older still and caps at 100 Mbit/s on paper.

                The audit reports each NIC's model; passed-through NICs (hostdev, SR-IOV VFs) are judged
                by NET-PASSTHROUGH instead.
                """);
    }

    /** True when the guest drives the NIC with virtio-net. */
    static boolean isVirtio(Nic n) {
        return n.model().startsWith("virtio") || n.backend().equals("hostdev");
    }

    /** "model on back-end" for evidence; an empty model is named as QEMU's default. */
    static String describe(Nic n) {
        String model = n.model().isEmpty() ? "(no model: QEMU's default e1000/e1000e)" : n.model();
        return model + " on " + n.backend() + (n.ifname().isEmpty() ? "" : " " + n.ifname());
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<String> bad = new ArrayList<>();
        List<String> good = new ArrayList<>();
        for (Nic n : guest.nics()) {
            if (n.backend().equals("hostdev")) {
                continue;
            }
            (isVirtio(n) ? good : bad).add(describe(n));
        }
        if (bad.isEmpty() && good.isEmpty()) {
            return notApplicable(guest, "the guest has no emulated or virtio NICs");
        }
        if (bad.isEmpty()) {
            return pass(guest, "NICs: " + String.join("; ", good));
        }
        String fix = libvirt(guest) ? "<interface type='network'>\n  <source network='default'/>\n"
                + "  <model type='virtio'/>\n</interface>"
                : "-netdev tap,id=net0,vhost=on -device virtio-net-pci,netdev=net0";
        return fail(guest, "emulated NICs: " + String.join("; ", bad), fix);
    }
}
