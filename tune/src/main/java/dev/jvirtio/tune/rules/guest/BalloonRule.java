package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Balloon;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;

/** MEM-BALLOON: the guest has a virtio balloon, ideally with free page reporting. */
public final class BalloonRule extends GuestRule {

    public BalloonRule() {
        super("MEM-BALLOON", "MEM", "The guest has a virtio memory balloon", Severity.INFO,
                "<memballoon model='virtio' freePageReporting='on'> (QEMU: -device virtio-balloon-pci,free-page-reporting=on)",
                "Without a balloon the host cannot take memory back from an idle guest, nor see how much of its"
                        + " RAM the guest really uses. The 2020 text only says to use virtio_balloon; today the same"
                        + " device also reports freed pages to the host by itself (free page reporting, Linux 5.7,"
                        + " QEMU 5.1) and deflates on guest OOM, so it no longer needs a management tool to help.",
                """
                MEM-BALLOON: the memory balloon

                The text: use virtio_balloon.

                Today: the virtio balloon does three things. Inflating it (virsh setmem) takes pages
                from the guest and returns them to the host; its statistics queue reports the guest's
                own view of free and cached memory (<stats period='10'/>); and with free page reporting
                (Linux 5.7 guests, QEMU 5.1, libvirt freePageReporting='on') the guest hands pages it
                frees back to the host continuously, which makes memory overcommit work without a
                management tool sizing every balloon. deflate-on-oom (autodeflate='on') lets a guest
                under memory pressure take pages back before its OOM killer runs.

                The balloon cannot free memory that is pinned: guests with passthrough (VFIO) devices,
                locked memory or hugetlbfs backing are not judged, because inflating does not return
                that memory to the host. libvirt adds a virtio balloon to a domain that declares none;
                model='none' removes it.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        if (!guest.hostDevices().isEmpty()) {
            return notApplicable(guest, "the guest has passthrough devices (" + String.join(", ", guest.hostDevices())
                    + "); their DMA pins all guest memory, so a balloon cannot return any");
        }
        if (guest.memory().locked()) {
            return notApplicable(guest, "the guest's memory is locked, so a balloon cannot return any");
        }
        if (guest.memory().hugepages()) {
            return notApplicable(guest, "the guest's memory is on hugetlbfs pages, which a balloon cannot return"
                    + " piecemeal");
        }
        Balloon b = guest.balloon();
        if (b == null || !b.present()) {
            String fix = libvirt(guest)
                    ? "<memballoon model='virtio' autodeflate='on' freePageReporting='on'>\n  <stats period='10'/>\n</memballoon>"
                    : "-device virtio-balloon-pci,deflate-on-oom=on,free-page-reporting=on";
            return fail(guest, b == null ? "no balloon device" : "balloon model='none'", fix);
        }
        return pass(guest, "balloon " + b.model() + (b.freePageReporting() ? " with free page reporting"
                : " without free page reporting") + (b.statsPeriodSeconds() > 0 ? ", stats every "
                + b.statsPeriodSeconds() + " s" : ""));
    }
}
