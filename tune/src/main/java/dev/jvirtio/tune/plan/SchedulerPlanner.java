package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.host.BlockDevice;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * STO-SCHED: the I/O scheduler of each disk ({@code mq-deadline} for rotational disks,
 * {@code none} for SSD, NVMe and virtio disks), written to {@code queue/scheduler} now and kept by
 * a udev rule, one line per disk, in {@value #RULES}. Lines for other disks already in that file
 * stay as they are.
 */
final class SchedulerPlanner {

    static final String RULES = "/etc/udev/rules.d/60-jvirtio-scheduler.rules";

    private static final Pattern LINE = Pattern.compile(
            "ACTION==\"add\\|change\", KERNEL==\"([^\"]+)\", ATTR\\{queue/scheduler\\}=\"([^\"]+)\"");

    private SchedulerPlanner() {
    }

    static List<Change> plan(PlanContext c) {
        List<Change> changes = new ArrayList<>();
        Map<String, String> persistent = new LinkedHashMap<>();
        for (BlockDevice device : c.host.blockDevices()) {
            Optional<String> want = wanted(device);
            if (want.isEmpty()) {
                continue;
            }
            String actual = device.scheduler().orElseThrow();
            if (actual.equals(want.get()) || !device.schedulers().contains(want.get())) {
                continue;
            }
            String path = "/sys/block/" + device.name() + "/queue/scheduler";
            String shown = new Selector(device.schedulers(), actual).select(want.get());
            changes.add(new SettingWrite("STO-SCHED", "host", path, actual, want.get(), shown));
            persistent.put(device.name(), want.get());
        }
        if (!persistent.isEmpty()) {
            String before = c.fileBytes(RULES).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
            c.fileWrite("STO-SCHED", FileKind.UDEV_RULE, RULES, merge(before, persistent)).ifPresent(changes::add);
        }
        return changes;
    }

    /** The scheduler a disk should use, as STO-SCHED judges it; empty for disks it does not judge. */
    private static Optional<String> wanted(BlockDevice device) {
        String transport = device.transport();
        if (transport.equals("virtual") || device.scheduler().isEmpty() || device.name().matches("(sr|fd)\\d+")) {
            return Optional.empty();
        }
        if (device.virtio() || transport.equals("nvme")) {
            return Optional.of("none");
        }
        if (device.rotational().isPresent()) {
            return Optional.of(device.rotational().getAsLong() == 1 ? "mq-deadline" : "none");
        }
        return Optional.empty();
    }

    /** The rules file with one line per disk of {@code schedulers}, other lines kept. */
    private static String merge(String before, Map<String, String> schedulers) {
        Map<String, String> pending = new LinkedHashMap<>(schedulers);
        StringBuilder out = new StringBuilder();
        if (before.isEmpty()) {
            out.append("# jvirtio apply, STO-SCHED: mq-deadline for rotational disks, none for SSD, NVMe and virtio"
                    + " disks (jvirtio explain STO-SCHED)\n");
        }
        for (String line : before.lines().toList()) {
            Matcher m = LINE.matcher(line.trim());
            if (m.matches() && pending.containsKey(m.group(1))) {
                out.append(line(m.group(1), pending.remove(m.group(1)))).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        pending.forEach((name, scheduler) -> out.append(line(name, scheduler)).append('\n'));
        return out.toString();
    }

    private static String line(String device, String scheduler) {
        return "ACTION==\"add|change\", KERNEL==\"" + device + "\", ATTR{queue/scheduler}=\"" + scheduler + "\"";
    }
}
