package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NetDevice;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * NET-OFFLOAD: reports the segmentation and checksum offloads of the interfaces that carry guest
 * traffic (physical NICs, taps, virtio_net); offloads switched off (and changeable) are reported.
 */
public final class NetOffloadRule implements Rule {

    /** The offloads that matter for virtio-net throughput, as {@code ethtool -k} names them. */
    static final List<String> FEATURES = List.of("tx-checksumming", "tcp-segmentation-offload",
            "generic-segmentation-offload", "generic-receive-offload");

    private static final String REASON = "TSO lets the NIC (or virtio-net's host side) cut large TCP sends into "
            + "segments and GSO does the same in software for other protocols, so the stack handles one 64 KiB "
            + "buffer instead of forty packets. The 2020 text suggested turning TSO and GSO off when virtio-net is "
            + "slow; today they are right on almost always, and turning them off is a diagnostic step to undo.";

    private static final RuleInfo INFO = new RuleInfo("NET-OFFLOAD", "NET", "Segmentation and checksum offloads on",
            Severity.INFO, """
            NET-OFFLOAD: Segmentation and checksum offloads on

            The 2020 text: ethtool -i eth0 shows the driver. TSO: the NIC segments TCP. GSO: generic segmentation \
            for other protocols (TCPv6, UDP). ethtool -K eth0 tso off|on. If virtio-net is slow, try turning both \
            off.

            Today: virtio-net negotiates checksum and segmentation offloads with its back-end (CSUM, GUEST_TSO4, \
            HOST_TSO4 ...), and tap/vhost-net pass large segments through to the host stack or the physical NIC. \
            With offloads on, a guest sends 64 KiB in one descriptor chain; with them off, every 1500-byte segment \
            costs a trip through the rings. Turning them off helped with old buggy drivers and is still a way to \
            find a fault, but it should not stay.

            What jvirtio checks: the output of ethtool -k (run on the live machine when ethtool is installed, or \
            read from ethtool/DEV.txt in a captured tree) for interfaces with a driver and taps: %s. Features the \
            driver cannot change ([fixed]) are not counted.

            Fix: ethtool -K DEV tso on gso on gro on tx on.""".formatted(String.join(", ", FEATURES)));

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = String.join(", ", FEATURES) + " on";
        List<NetDevice> known = host.netDevices().stream()
                .filter(d -> !d.offloads().isEmpty() && (!d.driver().isEmpty() || d.tap())).toList();
        if (known.isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no offload state known: ethtool is not installed "
                    + "(or this is not the live machine and no ethtool/DEV.txt was captured)", expected, REASON));
        }
        List<String> evidence = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        for (NetDevice device : known) {
            List<String> off = new ArrayList<>();
            List<String> states = new ArrayList<>();
            for (String feature : FEATURES) {
                Optional<String> state = device.offload(feature);
                if (state.isEmpty()) {
                    continue;
                }
                states.add(feature + " " + state.get());
                if (state.get().equals("off")) {
                    off.add(feature);
                }
            }
            evidence.add(device.name() + " (" + (device.tap() ? "tap" : device.driver()) + "): "
                    + String.join(", ", states));
            if (!off.isEmpty()) {
                fixes.add("ethtool -K " + device.name() + " " + String.join(" ", off.stream().map(f -> ethtoolName(f)
                        + " on").toList()));
            }
        }
        String found = String.join("; ", evidence);
        if (fixes.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        return List.of(INFO.fail(AuditContext.HOST, found, expected, REASON, String.join("\n", fixes)));
    }

    /** The short name {@code ethtool -K} takes for a feature. */
    private static String ethtoolName(String feature) {
        return switch (feature) {
            case "tx-checksumming" -> "tx";
            case "tcp-segmentation-offload" -> "tso";
            case "generic-segmentation-offload" -> "gso";
            case "generic-receive-offload" -> "gro";
            default -> feature;
        };
    }
}
