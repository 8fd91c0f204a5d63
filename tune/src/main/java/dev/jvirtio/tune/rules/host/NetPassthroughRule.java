package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.IommuGroup;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * NET-PASSTHROUGH, host side: guests that pass host PCI devices through need a working IOMMU, with
 * each device in an IOMMU group.
 */
public final class NetPassthroughRule implements Rule {

    private static final String REASON = "PCI passthrough gives a guest a real device with near-native speed, which "
            + "the 2020 text noted hinders migration. Today it is done with VFIO, which requires the IOMMU to "
            + "isolate the device's DMA: without IOMMU groups (intel_iommu=on or an AMD IOMMU enabled in firmware) "
            + "the device cannot be assigned, and every device of its group has to go to the same guest.";

    private static final RuleInfo INFO = new RuleInfo("NET-PASSTHROUGH", "NET", "IOMMU ready for passed-through devices",
            Severity.WARN, """
            NET-PASSTHROUGH: IOMMU ready for passed-through devices

            The 2020 text: PCI passthrough is faster but hinders migration.

            Today: passthrough goes through VFIO (vfio-pci). The host's IOMMU must be on so that the device's DMA \
            reaches only the guest's memory; the kernel then lists IOMMU groups in /sys/kernel/iommu_groups, and a \
            device can only be assigned together with every other device of its group (bridges aside). SR-IOV \
            virtual functions are the usual way to pass network devices through while keeping the physical \
            function on the host. A guest with a passed-through device cannot be live-migrated (the guest side of \
            this practice says so per guest).

            What jvirtio checks, for each guest with host devices (<hostdev>, -device vfio-pci,host=): that IOMMU \
            groups exist, that each device is in one, and which other devices share its group.

            Fix: enable VT-d/AMD-Vi in firmware and add intel_iommu=on iommu=pt (Intel) to the kernel command line; \
            load vfio-pci.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "IOMMU groups present, each passed-through device in one";
        List<Guest> passing = context.guests().stream().filter(g -> !g.hostDevices().isEmpty()).toList();
        if (passing.isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no guest passes a host device through ("
                    + Units.count(host.iommuGroups().size(), "IOMMU group") + " on this machine)", expected, REASON));
        }
        List<Finding> findings = new ArrayList<>();
        for (Guest guest : passing) {
            List<String> evidence = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            if (host.iommuGroups().isEmpty()) {
                problems.add("the host has no IOMMU groups (/sys/kernel/iommu_groups is empty or missing): the "
                        + "IOMMU is off");
            } else {
                for (String device : guest.hostDevices()) {
                    String address = normalize(device);
                    Optional<IommuGroup> group = host.iommuGroups().stream()
                            .filter(g -> g.devices().stream().anyMatch(d -> normalize(d).equals(address))).findFirst();
                    if (group.isEmpty()) {
                        problems.add(device + " is in no IOMMU group");
                        continue;
                    }
                    List<String> others = group.get().devices().stream().filter(d -> !normalize(d).equals(address))
                            .toList();
                    evidence.add(device + " in IOMMU group " + group.get().id()
                            + (others.isEmpty() ? " (alone)" : " with " + String.join(", ", others)));
                }
            }
            if (!host.devices().vfio()) {
                evidence.add("/dev/vfio/vfio missing (vfio not loaded yet)");
            }
            String found = "host devices " + String.join(", ", guest.hostDevices())
                    + (evidence.isEmpty() ? "" : ": " + String.join("; ", evidence));
            if (problems.isEmpty()) {
                findings.add(INFO.pass(guest.name(), found, expected, REASON));
            } else {
                findings.add(INFO.fail(guest.name(), found + ". " + String.join("; ", problems), expected, REASON,
                        "enable VT-d/AMD-Vi in the firmware; add intel_iommu=on iommu=pt (Intel) to the kernel "
                                + "command line and reboot; modprobe vfio-pci"));
            }
        }
        return findings;
    }

    /** A PCI address with its domain, in lower case: {@code 03:00.0} becomes {@code 0000:03:00.0}. */
    static String normalize(String address) {
        String lower = address.trim().toLowerCase(Locale.ROOT);
        return lower.matches("[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]") ? "0000:" + lower : lower;
    }
}
