package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether the audited machine is itself a virtual machine.
 *
 * @param insideGuest true when the CPU reports the {@code hypervisor} flag or the firmware names
 *                    a hypervisor
 * @param evidence    what said so (or what was checked), for findings
 */
public record Virtualization(boolean insideGuest, String evidence) {

    private static final List<String> HYPERVISOR_VENDORS = List.of("qemu", "kvm", "vmware", "xen", "innotek",
            "virtualbox", "bochs", "parallels", "amazon ec2", "google compute engine", "microsoft corporation virtual",
            "openstack", "cloud hypervisor", "firecracker");

    public Virtualization {
        Objects.requireNonNull(evidence, "evidence");
    }

    static Virtualization read(FactRoot root) {
        List<String> said = new ArrayList<>();
        Optional<String> vendor = root.readLine("/sys/class/dmi/id/sys_vendor");
        Optional<String> product = root.readLine("/sys/class/dmi/id/product_name");
        String dmi = (vendor.orElse("") + " " + product.orElse("")).trim();
        String lower = dmi.toLowerCase(Locale.ROOT);
        if (HYPERVISOR_VENDORS.stream().anyMatch(lower::contains)) {
            said.add("DMI names '" + dmi + "'");
        }
        if (cpuFlagHypervisor(root)) {
            said.add("the CPU reports the hypervisor flag in /proc/cpuinfo");
        }
        root.readLine("/sys/hypervisor/type").ifPresent(type -> said.add("/sys/hypervisor/type is " + type));
        if (said.isEmpty()) {
            return new Virtualization(false, "no hypervisor flag in /proc/cpuinfo"
                    + (dmi.isEmpty() ? "" : ", DMI names '" + dmi + "'"));
        }
        return new Virtualization(true, String.join("; ", said));
    }

    private static boolean cpuFlagHypervisor(FactRoot root) {
        for (String line : root.read("/proc/cpuinfo").orElse("").split("\n")) {
            if (line.startsWith("flags")) {
                int colon = line.indexOf(':');
                return colon > 0 && List.of(line.substring(colon + 1).trim().split("\\s+")).contains("hypervisor");
            }
        }
        return false;
    }
}
