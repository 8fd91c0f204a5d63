package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.BlockDevice;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;

/**
 * STO-SCHED: {@code mq-deadline} for rotational disks, {@code none} for SSD/NVMe and for virtio
 * disks inside guests.
 */
public final class StoSchedRule implements Rule {

    private static final String REASON = "The 2020 text recommended the Deadline scheduler. Kernels since 5.0 only "
            + "have multi-queue schedulers: mq-deadline still helps rotational disks by ordering requests, but "
            + "an SSD, an NVMe drive or a virtio disk inside a guest (whose host already schedules the real disk) "
            + "gains nothing from a second scheduler and pays its locking; 'none' passes requests straight to the "
            + "device queues.";

    private static final RuleInfo INFO = new RuleInfo("STO-SCHED", "STO", "I/O scheduler per disk kind", Severity.WARN,
            """
            STO-SCHED: I/O scheduler per disk kind

            The 2020 text: use the Deadline I/O scheduler.

            Today: the single-queue schedulers (deadline, cfq, noop) were removed in Linux 5.0; blk-mq offers \
            mq-deadline, bfq, kyber and none. For a rotational disk mq-deadline keeps the old advice's benefit \
            (sorted requests, bounded latency). An SSD or NVMe drive has no seek cost and its own deep queues, so \
            none is best. Inside a guest, a virtio disk (virtio_blk, or a disk of virtio_scsi) is a queue to the \
            host, which schedules the real device; a second scheduler there only adds latency, and virtio disks \
            often claim to be rotational, so the kernel's default for them (mq-deadline) is wrong.

            What jvirtio checks: /sys/block/*/queue/scheduler, queue/rotational and the driver behind each disk \
            (loop, zram and device-mapper devices are skipped).

            Fix, now: echo none > /sys/block/vda/queue/scheduler; for good, a udev rule in \
            /etc/udev/rules.d/60-jvirtio-scheduler.rules such as
              ACTION=="add|change", KERNEL=="vd[a-z]*", ATTR{queue/scheduler}="none"
              ACTION=="add|change", KERNEL=="sd[a-z]*", ATTR{queue/rotational}=="1", ATTR{queue/scheduler}="mq-deadline\"""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "mq-deadline on rotational disks; none on SSD, NVMe and virtio disks";
        List<String> evidence = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<String> now = new ArrayList<>();
        List<String> udev = new ArrayList<>();
        for (BlockDevice device : host.blockDevices()) {
            String transport = device.transport();
            if (transport.equals("virtual") || device.scheduler().isEmpty() || device.name().matches("(sr|fd)\\d+")) {
                continue;
            }
            String want;
            String kind;
            if (device.virtio()) {
                want = "none";
                kind = transport;
            } else if (transport.equals("nvme")) {
                want = "none";
                kind = "nvme";
            } else if (device.rotational().isPresent()) {
                boolean rotational = device.rotational().getAsLong() == 1;
                want = rotational ? "mq-deadline" : "none";
                kind = rotational ? "rotational" : "SSD";
            } else {
                continue;
            }
            String actual = device.scheduler().get();
            evidence.add(device.name() + " (" + kind + "): " + actual);
            if (!actual.equals(want) && device.schedulers().contains(want)) {
                wrong.add(device.name() + " uses " + actual + " instead of " + want);
                now.add("echo " + want + " > /sys/block/" + device.name() + "/queue/scheduler");
                udev.add("ACTION==\"add|change\", KERNEL==\"" + device.name() + "\", ATTR{queue/scheduler}=\""
                        + want + "\"");
            }
        }
        if (evidence.isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "no disk with a choice of I/O scheduler under "
                    + "/sys/block", expected, REASON));
        }
        String found = String.join(", ", evidence);
        if (wrong.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        return List.of(INFO.fail(AuditContext.HOST, found + ". " + String.join("; ", wrong), expected, REASON,
                String.join("\n", now) + "\n# and in /etc/udev/rules.d/60-jvirtio-scheduler.rules:\n"
                        + String.join("\n", udev)));
    }
}
