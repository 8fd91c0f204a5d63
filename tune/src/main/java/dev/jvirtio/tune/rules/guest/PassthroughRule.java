package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;

/** NET-PASSTHROUGH: passed-through PCI devices make the guest hard to migrate. */
public final class PassthroughRule extends GuestRule {

    public PassthroughRule() {
        super("NET-PASSTHROUGH", "NET", "Passed-through devices and live migration", Severity.WARN,
                "no passthrough devices, or a plan for migrating without them (virtio-net failover)",
                "A PCI device given to the guest with VFIO runs at native speed, but its state lives in the"
                        + " hardware, so QEMU refuses to live-migrate the guest unless the device's driver supports"
                        + " VFIO migration, which few do. The 2020 text already warned that passthrough hinders"
                        + " migration; today it also needs an IOMMU (intel_iommu=on or amd_iommu) on the host.",
                """
                NET-PASSTHROUGH: PCI passthrough

                The text: PCI passthrough is faster but hinders migration.

                Today: passthrough is VFIO (the old KVM device assignment is gone) and needs the host's
                IOMMU on, with the device alone in its IOMMU group or with its group mates passed too.
                A guest with a VFIO device cannot be live-migrated unless the device's vendor driver
                implements VFIO migration; for NICs the usual answer is virtio-net failover: a virtio
                NIC with failover=on paired with the VF (failover_pair_id), which the guest bonds so the
                VF can be unplugged before migration and the virtio path carries traffic meanwhile.
                Passthrough also pins all guest memory (no balloon, no KSM, no overcommit).

                The audit lists each guest's passthrough devices and whether the host shows IOMMU
                groups.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        if (guest.hostDevices().isEmpty()) {
            return pass(guest, "no passthrough devices");
        }
        String iommu = context.host().iommuGroups().isEmpty()
                ? "; the host shows no IOMMU groups, so VFIO cannot start them"
                : "; the host has " + context.host().iommuGroups().size() + " IOMMU groups";
        String fix = libvirt(guest)
                ? "<interface type='network'>\n  <source network='default'/>\n  <model type='virtio'/>\n"
                        + "  <teaming type='persistent'/>\n  <alias name='ua-net0'/>\n</interface>\n"
                        + "<interface type='hostdev'>\n  <source><address type='pci' domain='0x0000' bus='0x03'"
                        + " slot='0x00' function='0x1'/></source>\n  <teaming type='transient' persistent='ua-net0'/>\n"
                        + "</interface>"
                : "-device virtio-net-pci,netdev=net0,id=net0,failover=on "
                        + "-device vfio-pci,host=" + guest.hostDevices().get(0) + ",failover_pair_id=net0";
        return fail(guest, "passthrough devices " + String.join(", ", guest.hostDevices())
                + " block live migration" + iommu, fix);
    }
}
