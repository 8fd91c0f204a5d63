package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** VIRTIO-DATAPLANE: every virtio disk is served by an IOThread. */
public final class DataPlaneRule extends GuestRule {

    public DataPlaneRule() {
        super("VIRTIO-DATAPLANE", "VIRTIO", "virtio disks are served by IOThreads", Severity.INFO,
                "each virtio-blk/virtio-scsi disk assigned to an IOThread (<driver iothread='N'/>, iothread=ID)",
                "Without an IOThread a disk's requests are processed in QEMU's main loop, which also runs the"
                        + " monitor, timers and every other device, under the big QEMU lock. In 2020 the text knew"
                        + " this as virtio-blk-data-plane, limited to raw images and without storage migration;"
                        + " today IOThreads work with every format, with migration and block jobs.",
                """
                VIRTIO-DATAPLANE: IOThreads

                The text: virtio-blk-data-plane gives each device its own thread for more performance,
                but only for raw images and without storage migration.

                Today: data-plane became IOThreads (-object iothread, libvirt <iothreads>), and the
                limits are gone: any image format, live migration, block jobs and snapshots all work.
                A disk in an IOThread has its virtqueue notifications and completions handled by that
                thread instead of QEMU's main loop; with one IOThread per busy disk (and, in QEMU 9.0
                and later, several IOThreads per disk through iothread-vq-mapping) throughput and
                latency under load improve, and the thread can be pinned (CPU-PIN).

                The audit flags each virtio-blk or virtio-scsi disk without an IOThread. vhost-user
                disks are served by their back-end's own threads and are not judged.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<String> without = new ArrayList<>();
        List<String> with = new ArrayList<>();
        for (int i = 0; i < guest.disks().size(); i++) {
            Disk d = guest.disks().get(i);
            if (d.removable() || !(d.bus().equals("virtio") || d.bus().equals("scsi"))) {
                continue;
            }
            if (d.iothread().isEmpty()) {
                without.add(label(d, i));
            } else {
                with.add(label(d, i) + " in iothread " + d.iothread());
            }
        }
        if (without.isEmpty() && with.isEmpty()) {
            return notApplicable(guest, "the guest has no virtio-blk or virtio-scsi data disks");
        }
        if (without.isEmpty()) {
            return pass(guest, String.join("; ", with) + " (" + guest.iothreads() + " IOThreads defined)");
        }
        String fix = libvirt(guest)
                ? "<iothreads>" + Math.max(1, guest.iothreads()) + "</iothreads>\n"
                        + "<driver name='qemu' type='raw' cache='none' io='native' iothread='1'/>  (in each <disk>)"
                : "-object iothread,id=io0 -device virtio-blk-pci,drive=DRIVE_ID,iothread=io0";
        return fail(guest, "without an IOThread: " + String.join(", ", without) + "; the guest defines "
                + guest.iothreads() + " IOThreads", fix);
    }
}
