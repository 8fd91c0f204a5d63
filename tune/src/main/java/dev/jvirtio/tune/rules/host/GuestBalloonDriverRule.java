package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.VirtioDevice;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.List;
import java.util.Optional;

/** MEM-BALLOON, seen from inside a guest: a virtio balloon device with the virtio_balloon driver bound. */
public final class GuestBalloonDriverRule implements Rule {

    private static final String REASON = "The virtio balloon lets the host take memory back from a guest and read "
            + "its memory statistics; the 2020 text said to use virtio_balloon. Today the same device also reports "
            + "free pages to the host (free page reporting), which only works with the guest's driver bound.";

    private static final RuleInfo INFO = new RuleInfo("MEM-BALLOON", "MEM", "virtio_balloon inside the guest",
            Severity.WARN, """
            MEM-BALLOON (inside a guest): virtio_balloon

            The 2020 text: use virtio_balloon.

            Today: the balloon device (virtio device ID 5) lets the host inflate the balloon to reclaim guest \
            memory, deflate it to give memory back, poll memory statistics (<stats period='10'/>), and, with \
            free page reporting (Linux 5.7 and later, <memballoon ... freePageReporting='on'>), learn which guest \
            pages are free so it can drop them without inflating anything. All of it needs the guest's \
            virtio_balloon driver bound to the device.

            What jvirtio checks, when the audited machine is a guest: /sys/bus/virtio/devices/*/device for a device \
            of ID 5 and the driver bound to it.

            Fix: on the host, <memballoon model='virtio'><stats period='10'/></memballoon> (or -device \
            virtio-balloon-pci); in the guest, modprobe virtio_balloon.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "a virtio balloon device with virtio_balloon bound";
        if (!host.virtualization().insideGuest()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "not a guest (" + host.virtualization().evidence()
                    + "); guests' balloons are checked from their configurations", expected, REASON));
        }
        Optional<VirtioDevice> balloon = host.virtioDevices().stream()
                .filter(d -> d.deviceId() == VirtioDevice.BALLOON).findFirst();
        if (balloon.isEmpty()) {
            String seen = host.virtioDevices().isEmpty() ? "no virtio devices under /sys/bus/virtio/devices"
                    : "virtio devices " + String.join(", ", host.virtioDevices().stream()
                    .map(d -> d.name() + " (ID " + d.deviceId() + ")").toList()) + ", none is a balloon";
            return List.of(INFO.fail(AuditContext.HOST, seen, expected, REASON,
                    "on the host: <memballoon model='virtio'><stats period='10'/></memballoon> or "
                            + "-device virtio-balloon-pci"));
        }
        if (!balloon.get().driver().equals("virtio_balloon")) {
            return List.of(INFO.fail(AuditContext.HOST, balloon.get().name() + " is a balloon device with "
                    + (balloon.get().driver().isEmpty() ? "no driver bound" : "driver " + balloon.get().driver()),
                    expected, REASON, "modprobe virtio_balloon\necho virtio_balloon > /etc/modules-load.d/balloon.conf"));
        }
        return List.of(INFO.pass(AuditContext.HOST, balloon.get().name() + " is a balloon device with virtio_balloon "
                + "bound", expected, REASON));
    }
}
