package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** STO-BLOCKDEV: which disks sit on image files rather than block devices. */
public final class BlockDeviceRule extends GuestRule {

    public BlockDeviceRule() {
        super("STO-BLOCKDEV", "STO", "Disks are block devices rather than image files", Severity.INFO,
                "data disks on block devices (LVM volumes, partitions, LUNs): <disk type='block'>",
                "An image file puts the host file system between the guest and the disk: its metadata, its"
                        + " journal and its allocation of sparse ranges all add work to guest writes. A block device"
                        + " (an LVM volume, a partition, a LUN) has none of that and is cached on 4 KiB boundaries."
                        + " The 2020 advice still holds; image files remain easier to copy and move (STO-IMAGE).",
                """
                STO-BLOCKDEV: block devices

                The text: prefer block devices: faster, no host file system to manage, no sparse files,
                I/O cached on 4 KiB boundaries.

                Today: the same trade. A raw LVM logical volume with cache=none and io=native is the
                shortest path from the guest to storage: no file system metadata, no fragmentation,
                no allocation on first write. Image files win on convenience: copying, moving,
                snapshots, thin provisioning (see STO-IMAGE and STO-FORMAT).

                The audit reports, per guest, which data disks are files and which are block devices,
                as information.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<String> files = new ArrayList<>();
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < guest.disks().size(); i++) {
            Disk d = guest.disks().get(i);
            if (d.removable()) {
                continue;
            }
            String name = label(d, i) + " (" + d.path() + ")";
            switch (d.sourceType()) {
                case "file" -> files.add(name);
                case "block" -> blocks.add(name);
                default -> {
                    // network, vhost-user: neither a host file nor a host block device
                }
            }
        }
        if (files.isEmpty() && blocks.isEmpty()) {
            return notApplicable(guest, "the guest has no data disks on host files or block devices");
        }
        if (files.isEmpty()) {
            return pass(guest, "block devices: " + String.join("; ", blocks));
        }
        String fix = libvirt(guest)
                ? "lvcreate -L SIZE -n GUEST-disk VG && qemu-img convert -O raw IMAGE /dev/VG/GUEST-disk, then\n"
                        + "<disk type='block' device='disk'>\n  <driver name='qemu' type='raw' cache='none' io='native'/>\n"
                        + "  <source dev='/dev/VG/GUEST-disk'/>\n  <target dev='vda' bus='virtio'/>\n</disk>"
                : "-blockdev driver=host_device,node-name=f0,filename=/dev/VG/GUEST-disk,cache.direct=on,aio=native"
                        + " -blockdev driver=raw,node-name=d0,file=f0 -device virtio-blk-pci,drive=d0";
        return fail(guest, "image files: " + String.join("; ", files)
                + (blocks.isEmpty() ? "" : "; block devices: " + String.join("; ", blocks)), fix);
    }
}
