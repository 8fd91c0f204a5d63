package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.BlockDevice;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * VIRTIO-PV, seen from inside a guest: the disks should be driven by virtio_blk or virtio_scsi,
 * not by emulated IDE/SATA/AHCI, SCSI or USB controllers.
 */
public final class GuestDiskDriverRule implements Rule {

    static final Set<String> EMULATED = Set.of("ata", "scsi", "usb");

    private static final String REASON = "An emulated disk controller makes the guest program fake hardware register "
            + "by register, and every access traps into the hypervisor; a paravirtual virtio disk hands whole "
            + "request batches over a shared ring. This has not changed since 2020: use virtio-blk or virtio-scsi "
            + "(which also names disks sdX, next to vdX for virtio-blk).";

    private static final RuleInfo INFO = new RuleInfo("VIRTIO-PV", "VIRTIO", "Paravirtual disks inside the guest",
            Severity.WARN, """
            VIRTIO-PV (inside a guest): Paravirtual disks

            The 2020 text: with full virtualization the guest does not know it is virtual and its I/O traps into \
            the hypervisor, which emulates the hardware; with paravirtualization the guest runs paravirtual \
            drivers that hand data straight to a paravirtual device (virtio, VMware Tools).

            Today: the same. Inside a guest the driver behind each disk tells which kind it got: virtio_blk \
            (/dev/vdX) and virtio_scsi (/dev/sdX behind a virtio SCSI host) are paravirtual; disks behind ata_piix \
            or ahci (emulated IDE and SATA), an emulated SCSI HBA or USB storage are emulated and cost an exit per \
            register access. The host configuration decides which one a guest gets, so the fix is on the host.

            What jvirtio checks, when the audited machine is a guest: the device path and driver of every disk in \
            /sys/block (CD-ROM and floppy drives, loop, zram and device-mapper devices are skipped).

            Fix on the host: <disk ...><target dev='vda' bus='virtio'/></disk> in libvirt, or \
            -device virtio-blk-pci,drive=... for QEMU (the guest needs the virtio_blk driver, present in every \
            current kernel).""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "every disk on virtio_blk or virtio_scsi";
        if (!host.virtualization().insideGuest()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "not a guest (" + host.virtualization().evidence()
                    + "); guests' disk buses are checked from their configurations", expected, REASON));
        }
        List<String> evidence = new ArrayList<>();
        List<String> emulated = new ArrayList<>();
        for (BlockDevice device : host.blockDevices()) {
            String transport = device.transport();
            if (transport.equals("virtual") || device.name().matches("(sr|fd)\\d+")) {
                continue;
            }
            evidence.add(device.name() + ": " + transport + (device.driver().isEmpty() ? "" : " (driver "
                    + device.driver() + ")"));
            if (EMULATED.contains(transport)) {
                emulated.add(device.name());
            }
        }
        if (evidence.isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no disks found under /sys/block", expected, REASON));
        }
        String found = String.join(", ", evidence);
        if (emulated.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        return List.of(INFO.fail(AuditContext.HOST, found + ". Emulated: " + String.join(", ", emulated), expected,
                REASON, "on the host, give the disk a virtio bus: <target dev='vda' bus='virtio'/> (libvirt) or "
                        + "-device virtio-blk-pci,drive=DRIVE (QEMU)"));
    }
}
