package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/**
 * VIRTIO-NAMES: which names a Linux guest gives each disk, and whether the configuration's target
 * names promise something else.
 */
public final class DiskNamesRule extends GuestRule {

    public DiskNamesRule() {
        super("VIRTIO-NAMES", "VIRTIO", "Guest disk names match the configured targets", Severity.INFO,
                "each configured target is the name a current Linux guest gives the disk",
                "virtio-blk disks appear as /dev/vdX, while SCSI, SATA, USB and (since the old IDE driver left"
                        + " Linux 5.14) IDE disks all appear as /dev/sdX. The 2020 text still lists IDE as /dev/hdX,"
                        + " which only old kernels do. The guest names disks in probe order, whatever the target"
                        + " says, so mount by UUID or /dev/disk/by-id rather than by /dev name.",
                """
                VIRTIO-NAMES: how disks are named in the guest

                The text: virtio-blk disks appear as /dev/vda, IDE as /dev/hda, SATA as /dev/sda.

                Today: virtio-blk (and vhost-user-blk) disks are /dev/vdX; virtio-scsi, SATA/AHCI, USB
                storage and IDE disks are all /dev/sdX, because IDE goes through libata (the legacy IDE
                driver that made /dev/hdX was removed in Linux 5.14); NVMe disks are /dev/nvmeXn1.

                A libvirt <target dev='hdb'/> or 'vdc' is only an ordering hint: Linux assigns names in
                the order it finds the disks. The audit prints the names a current Linux guest will use
                and flags a configuration whose target names promise different ones, a common source of
                fstab entries that break when a disk moves from IDE to virtio. The fix is in the guest:
                mount by UUID=, LABEL= or /dev/disk/by-id/virtio-SERIAL.
                """);
    }

    /** The names a current Linux guest gives the disks, in configuration order ("" for no name). */
    static List<String> guestNames(List<Disk> disks) {
        List<String> names = new ArrayList<>();
        int vd = 0;
        int sd = 0;
        int nvme = 0;
        int sr = 0;
        for (Disk d : disks) {
            String name;
            if (d.device().equals("cdrom") && !d.bus().equals("virtio")) {
                name = "sr" + sr++;
            } else {
                name = switch (d.bus()) {
                    case "virtio", "vhost-user" -> "vd" + letters(vd++);
                    case "scsi", "sata", "ide", "usb" -> "sd" + letters(sd++);
                    case "nvme" -> "nvme" + nvme++ + "n1";
                    default -> "";
                };
            }
            names.add(name);
        }
        return names;
    }

    private static String letters(int n) {
        return n < 26 ? String.valueOf((char) ('a' + n)) : letters(n / 26 - 1) + (char) ('a' + n % 26);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        if (guest.disks().isEmpty()) {
            return notApplicable(guest, "the guest has no disks");
        }
        List<String> names = guestNames(guest.disks());
        List<String> shown = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Disk d = guest.disks().get(i);
            String name = names.get(i).isEmpty() ? "(" + d.bus() + ": no fixed name)" : "/dev/" + names.get(i);
            shown.add(label(d, i) + " (" + d.bus() + ") -> " + name);
            if (libvirt(guest) && !names.get(i).isEmpty() && !d.target().isEmpty()
                    && !names.get(i).startsWith("sr") && !d.target().equals(names.get(i))) {
                mismatched.add("target " + d.target() + " will be /dev/" + names.get(i));
            }
        }
        String evidence = String.join("; ", shown);
        if (mismatched.isEmpty()) {
            return pass(guest, evidence);
        }
        return fail(guest, evidence + ". Differs from the configuration: " + String.join("; ", mismatched),
                "In the guest, mount by UUID (blkid; UUID=... in /etc/fstab) or /dev/disk/by-id; in the"
                        + " configuration, name targets after the bus, e.g. <target dev='vda' bus='virtio'/>");
    }
}
