package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.Nic;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** VIRTIO-PV: disks and NICs are virtio, not emulated IDE/SATA/AHCI controllers or e1000/rtl8139. */
public final class ParavirtualDevicesRule extends GuestRule {

    /** Disk buses whose controller QEMU emulates register by register. */
    static final Set<String> EMULATED_BUSES = Set.of("ide", "sata", "usb", "fdc", "sd");

    public ParavirtualDevicesRule() {
        super("VIRTIO-PV", "VIRTIO", "Disks and NICs are paravirtual (virtio), not emulated hardware", Severity.WARN,
                "data disks on virtio-blk, virtio-scsi or vhost-user; NICs of model virtio",
                "An emulated IDE/SATA controller or an e1000/rtl8139 NIC makes the guest drive fake hardware register"
                        + " by register, and every register access exits to QEMU. A virtio device hands whole"
                        + " requests to the host through shared rings with a fraction of the exits. This was true in"
                        + " 2020 and still is; keep an emulated device only until the guest has virtio drivers.",
                """
                VIRTIO-PV: use paravirtual devices

                The text: with full virtualization the guest does not know it is virtual; its I/O traps
                into the hypervisor, which emulates real hardware. With paravirtualization the guest runs
                drivers that know they talk to a hypervisor and hand data straight to a paravirtual
                device (virtio; VMware Tools on VMware).

                Today: unchanged. QEMU still emulates IDE, SATA (AHCI), USB storage, e1000, e1000e and
                rtl8139 faithfully, which is what an installer without drivers needs, and what costs:
                every port or MMIO access to the fake controller is a VM exit. virtio-blk, virtio-scsi
                and virtio-net move requests through virtqueues in shared memory, with notifications
                that can be suppressed while the other side is busy.

                The audit lists each data disk on an emulated bus (CD-ROMs are left alone) and each NIC
                whose model is not virtio, including a NIC without a model, which QEMU makes an e1000 or
                e1000e. Linux has the drivers built in; Windows needs the virtio-win drivers installed
                before the boot disk is switched.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<String> emulated = new ArrayList<>();
        int considered = 0;
        for (int i = 0; i < guest.disks().size(); i++) {
            Disk d = guest.disks().get(i);
            if (d.removable()) {
                continue;
            }
            considered++;
            if (EMULATED_BUSES.contains(d.bus())) {
                emulated.add("disk " + label(d, i) + " on " + d.bus());
            }
        }
        for (String p : guest.problems()) {
            if (p.contains("which is emulated")) {
                emulated.add(p);
            }
        }
        for (Nic n : guest.nics()) {
            if (n.backend().equals("hostdev")) {
                continue;
            }
            considered++;
            if (!NetworkModelRule.isVirtio(n)) {
                emulated.add("NIC " + NetworkModelRule.describe(n));
            }
        }
        if (considered == 0) {
            return notApplicable(guest, "the guest has no data disks and no NICs");
        }
        if (emulated.isEmpty()) {
            return pass(guest, "every data disk and NIC is paravirtual");
        }
        String fix = libvirt(guest)
                ? "<target dev='vda' bus='virtio'/>  (in each <disk>)\n<model type='virtio'/>  (in each <interface>)"
                : "-device virtio-blk-pci,drive=DRIVE_ID  instead of ide-hd/-hda/if=ide\n"
                        + "-device virtio-net-pci,netdev=NETDEV_ID  instead of e1000/rtl8139";
        return fail(guest, Severity.WARN, "emulated: " + String.join("; ", emulated), fix);
    }
}
