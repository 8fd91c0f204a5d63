package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.Nic;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** VIRTIO-VQ: multiqueue virtio-blk and virtio-net with a queue per vCPU. */
public final class QueueCountRule extends GuestRule {

    public QueueCountRule() {
        super("VIRTIO-VQ", "VIRTIO", "virtio disks and NICs have a queue per vCPU", Severity.INFO,
                "virtio-blk num-queues and virtio-net queue pairs equal to the vCPU count",
                "The 2020 text describes virtio-net with one receive and one transmit queue and virtio-blk with"
                        + " one queue, so every vCPU's I/O funnels through one ring and one interrupt. Both devices"
                        + " are multiqueue today: QEMU 5.2 and later give virtio-blk-pci one queue per vCPU by"
                        + " default, but virtio-net still has one queue pair unless queues=N is set.",
                """
                VIRTIO-VQ: virtqueues

                The text: the virtio layer is the virtqueue interface; virtio-net uses two virtqueues
                (receive and transmit) and virtio-blk uses one.

                Today: both are multiqueue. With a queue (pair) per vCPU, each vCPU submits to its own
                ring and takes its own completion interrupt, so no lock or cache line is shared on the
                I/O path. virtio-blk-pci defaults num-queues to the vCPU count since QEMU 5.2; an
                explicit smaller num-queues (libvirt <driver queues='N'/>) undoes that. virtio-net is
                one queue pair by default: libvirt <driver name='vhost' queues='N'/> (QEMU -netdev
                tap,queues=N,vhost=on with -device virtio-net-pci,mq=on,vectors=2N+2); recent Linux
                guests enable all pairs themselves, older ones need ethtool -L eth0 combined N.

                The audit compares each virtio disk's and NIC's queues with the vCPU count; a guest
                with one vCPU is not judged.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        int vcpus = guest.vcpus();
        if (vcpus <= 1) {
            return notApplicable(guest, "the guest has " + vcpus + " vCPU; one queue is all it can use");
        }
        List<String> few = new ArrayList<>();
        List<String> ok = new ArrayList<>();
        for (int i = 0; i < guest.disks().size(); i++) {
            Disk d = guest.disks().get(i);
            if (d.removable() || !(d.bus().equals("virtio") || d.bus().equals("vhost-user") || d.bus().equals("scsi"))) {
                continue;
            }
            if (d.queues() == 0) {
                ok.add(label(d, i) + " default queues (one per vCPU for virtio-blk-pci since QEMU 5.2)");
            } else if (d.queues() < vcpus) {
                few.add(label(d, i) + " has " + d.queues() + " queue" + (d.queues() == 1 ? "" : "s"));
            } else {
                ok.add(label(d, i) + " has " + d.queues() + " queues");
            }
        }
        for (Nic n : guest.nics()) {
            if (!n.model().startsWith("virtio") || n.backend().equals("hostdev")) {
                continue;
            }
            String name = "NIC " + (n.ifname().isEmpty() ? n.backend() : n.ifname());
            if (n.effectiveQueues() < vcpus) {
                few.add(name + " has " + n.effectiveQueues() + " queue pair" + (n.effectiveQueues() == 1 ? "" : "s"));
            } else {
                ok.add(name + " has " + n.effectiveQueues() + " queue pairs");
            }
        }
        if (few.isEmpty() && ok.isEmpty()) {
            return notApplicable(guest, "the guest has no virtio disks or NICs");
        }
        if (few.isEmpty()) {
            return pass(guest, vcpus + " vCPUs; " + String.join("; ", ok));
        }
        String fix = libvirt(guest)
                ? "<driver name='vhost' queues='" + vcpus + "'/>  (in each virtio <interface>)\n"
                        + "<driver name='qemu' type='raw' queues='" + vcpus + "'/>  (in each virtio <disk>)"
                : "-netdev tap,id=net0,vhost=on,queues=" + vcpus + " -device virtio-net-pci,netdev=net0,mq=on,vectors="
                        + (2 * vcpus + 2) + "\n-device virtio-blk-pci,drive=DRIVE_ID,num-queues=" + vcpus;
        return fail(guest, vcpus + " vCPUs but " + String.join("; ", few), fix);
    }
}
