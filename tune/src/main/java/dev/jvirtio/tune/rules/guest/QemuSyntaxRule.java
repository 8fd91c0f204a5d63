package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.QemuOptions;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** VIRTIO-QEMU: the command line uses -device/-blockdev/-netdev, not the legacy shorthands. */
public final class QemuSyntaxRule extends GuestRule {

    public QemuSyntaxRule() {
        super("VIRTIO-QEMU", "VIRTIO", "QEMU command line uses the modern device syntax", Severity.INFO,
                "-blockdev + -device virtio-blk-pci, -netdev + -device virtio-net-pci, -device virtio-balloon-pci",
                "The 2020 text starts guests with -drive if=virtio, -net nic/-net tap and -balloon virtio. QEMU"
                        + " 7 no longer accepts -balloon at all, and the -drive and -net shorthands hide the"
                        + " separation between back-end and device that -blockdev, -netdev and -device make"
                        + " explicit. The modern form is what libvirt generates and what every new option is added to.",
                """
                VIRTIO-QEMU: the QEMU command line

                The text: qemu-system-x86_64 -enable-kvm -m 2048 -balloon virtio
                  -drive file=img.qcow2,if=virtio -net nic,model=virtio
                  -net tap,ifname=tap0,script=no,downscript=no

                Today: -balloon was removed (QEMU 7 says "invalid option"); use -device
                virtio-balloon-pci. -drive if=virtio still works but mixes the image (back-end) with the
                device (front-end); -blockdev declares the node chain (format node over protocol node,
                with cache.direct and aio where they belong) and -device virtio-blk-pci,drive=NODE
                attaches it, with iothread= and num-queues=. -net nic/-net tap connect through an
                emulated hub; -netdev tap,id=n0,vhost=on with -device virtio-net-pci,netdev=n0 is a
                direct pair and the only way to get multiqueue (queues=N with mq=on).

                The audit lists each legacy option of a QEMU command line with its modern equivalent.
                libvirt domains are not judged: libvirt writes the command line itself.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        if (libvirt(guest)) {
            return notApplicable(guest, "libvirt generates this guest's command line");
        }
        if (guest.legacyOptions().isEmpty()) {
            return pass(guest, "no legacy options on the command line");
        }
        List<String> fixes = new ArrayList<>();
        int[] counters = new int[3];
        for (String option : guest.legacyOptions()) {
            fixes.add(option + "  ->  " + modern(option, counters));
        }
        return fail(guest, "legacy options: " + String.join(" ", guest.legacyOptions()), String.join("\n", fixes));
    }

    /**
     * The modern equivalent of one legacy option.
     *
     * @param counters disks, NICs and network back-ends seen so far; the k-th {@code -net nic} is
     *                 paired with the k-th {@code -net} back-end, as QEMU's hub would connect them
     */
    static String modern(String option, int[] counters) {
        int space = option.indexOf(' ');
        String name = space < 0 ? "" : option.substring(0, space);
        String value = space < 0 ? option : option.substring(space + 1);
        switch (name) {
            case "-balloon" -> {
                return value.startsWith("none") ? "(omit it; no balloon is the default)" : "-device virtio-balloon-pci";
            }
            case "-net" -> {
                QemuOptions o = QemuOptions.parse(value, "type");
                String type = o.get("type");
                if (type.equals("nic")) {
                    String model = o.find("model").orElse("e1000");
                    String device = model.equals("virtio") ? "virtio-net-pci" : model;
                    return "-device " + device + ",netdev=net" + counters[1]++
                            + (device.equals("virtio-net-pci") ? "" : " (virtio-net-pci for performance)");
                }
                StringBuilder s = new StringBuilder("-netdev " + type + ",id=net" + counters[2]++);
                o.asMap().forEach((k, v) -> {
                    if (!k.equals("type") && !k.equals("vlan") && !k.equals("name")) {
                        s.append(',').append(k).append('=').append(v.replace(",", ",,"));
                    }
                });
                if (type.equals("tap") && !o.has("vhost")) {
                    s.append(",vhost=on");
                }
                return s.toString();
            }
            default -> {
                String id = "disk" + counters[0]++;
                QemuOptions o = name.equals("-drive") ? QemuOptions.parse(value, null)
                        : QemuOptions.parse("file=" + value.replace(",", ",,"), null);
                String file = o.get("file");
                // Without format= QEMU probed the image; guess from the name and say so.
                String format = o.find("format").orElse(file.endsWith(".qcow2") ? "qcow2" : "raw");
                String check = o.has("format") ? "" : " (check the format: qemu-img info " + file + ")";
                String bus = o.find("if").orElse("ide");
                String device = bus.equals("virtio") ? "virtio-blk-pci" : bus.equals("scsi") ? "scsi-hd" : "ide-hd";
                String cache = o.get("cache");
                boolean direct = cache.isEmpty() || cache.equals("none") || cache.equals("directsync");
                String aio = o.find("aio").orElse("native");
                return "-blockdev driver=" + format + ",node-name=" + id + ",file.driver=file,file.filename="
                        + file.replace(",", ",,") + (direct ? ",file.cache.direct=on,file.aio=" + aio : "")
                        + " -device " + device + ",drive=" + id
                        + (device.equals("virtio-blk-pci") ? "" : " (virtio-blk-pci for performance)") + check;
            }
        }
    }
}
