package dev.jvirtio.tune.plan;

import java.util.List;
import java.util.Objects;

/**
 * The vCPU pinning of a running libvirt domain changed live ({@code virsh vcpupin}); the domain's
 * XML carries the same pins for its next start.
 *
 * @param rule   the practice ID it fixes ({@code CPU-PIN})
 * @param guest  the guest's name
 * @param domain the running domain
 * @param before each vCPU's host CPUs when planned, in vCPU order, as CPU lists
 * @param after  each vCPU's host CPUs to be, in vCPU order
 */
public record LiveVcpuPin(String rule, String guest, LibvirtDomain domain, List<String> before, List<String> after)
        implements Change {

    public LiveVcpuPin {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(domain, "domain");
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    @Override
    public String subject() {
        return guest;
    }

    @Override
    public String target() {
        return domain.describe() + " (running)";
    }

    @Override
    public String kind() {
        return "libvirt vcpupin";
    }

    @Override
    public String from() {
        return describe(before);
    }

    @Override
    public String to() {
        return describe(after);
    }

    private static String describe(List<String> pins) {
        StringBuilder text = new StringBuilder();
        for (int vcpu = 0; vcpu < pins.size(); vcpu++) {
            text.append(vcpu == 0 ? "" : ", ").append("vCPU ").append(vcpu).append(" on ").append(pins.get(vcpu));
        }
        return text.toString();
    }
}
