package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.rules.host.MemSwapRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * MEM-SWAP and MEM-ZONE-RECLAIM: {@code vm.swappiness} to {@link MemSwapRule#HOST_VALUE} on a host
 * ({@link MemSwapRule#GUEST_VALUE} inside a guest) when swap is active and the value is out of
 * range, and {@code vm.zone_reclaim_mode} to 0 on NUMA hosts: the runtime value now, and a
 * sysctl.d drop-in for the next boot.
 */
final class SysctlPlanner {

    /** Where systemd-sysctl reads drop-ins, by name across all of them. */
    private static final List<String> SYSCTL_DIRS = List.of("/etc/sysctl.d", "/run/sysctl.d", "/usr/lib/sysctl.d");

    private SysctlPlanner() {
    }

    static List<Change> plan(PlanContext c) {
        List<Change> changes = new ArrayList<>();
        HostFacts host = c.host;
        if (host.vm().swappiness().isPresent() && host.memory().hasSwap()) {
            boolean guest = host.virtualization().insideGuest();
            long value = host.vm().swappiness().getAsLong();
            long min = guest ? MemSwapRule.GUEST_MIN : MemSwapRule.HOST_MIN;
            long max = guest ? MemSwapRule.GUEST_MAX : MemSwapRule.HOST_MAX;
            long wanted = guest ? MemSwapRule.GUEST_VALUE : MemSwapRule.HOST_VALUE;
            if (value < min || value > max) {
                sysctl(c, "MEM-SWAP", "vm.swappiness", value, wanted, "/etc/sysctl.d/90-jvirtio-swappiness.conf",
                        "swap little, but not only at exhaustion", changes);
            }
        }
        if (host.numa() && host.vm().zoneReclaimMode().isPresent() && host.vm().zoneReclaimMode().getAsLong() != 0) {
            sysctl(c, "MEM-ZONE-RECLAIM", "vm.zone_reclaim_mode", host.vm().zoneReclaimMode().getAsLong(), 0,
                    "/etc/sysctl.d/90-jvirtio-zone-reclaim.conf", "allocate from another node rather than reclaim",
                    changes);
        }
        return changes;
    }

    private static void sysctl(PlanContext c, String rule, String key, long from, long to, String dropIn, String why,
                               List<Change> changes) {
        changes.add(new SettingWrite(rule, "host", "/proc/sys/" + key.replace('.', '/'), Long.toString(from),
                Long.toString(to), Long.toString(to)));
        c.fileWrite(rule, FileKind.SYSCTL_DROP_IN, dropIn, "# jvirtio apply, " + rule + ": " + why
                + " (jvirtio explain " + rule + ")\n" + key + " = " + to + "\n").ifPresent(changes::add);
        String name = dropIn.substring(dropIn.lastIndexOf('/') + 1);
        for (String dir : SYSCTL_DIRS) {
            for (String file : c.root.list(dir)) {
                if (file.endsWith(".conf") && file.compareTo(name) > 0) {
                    setting(c, dir + "/" + file, key).filter(value -> !value.equals(Long.toString(to))).ifPresent(
                            value -> c.notes.add(dir + "/" + file + " sets " + key + " = " + value + " and is read "
                                    + "after " + dropIn + " at boot; remove that line to keep " + key + " = " + to));
                }
            }
        }
    }

    /** The value {@code key} is given in a sysctl configuration file, if it is. */
    private static Optional<String> setting(PlanContext c, String file, String key) {
        Optional<String> value = Optional.empty();
        for (String line : c.root.readUnrecorded(file).orElse("").split("\n")) {
            String trimmed = line.trim();
            int equals = trimmed.indexOf('=');
            if (equals > 0 && !trimmed.startsWith("#") && !trimmed.startsWith(";")
                    && trimmed.substring(0, equals).trim().replace('/', '.').equals(key)) {
                value = Optional.of(trimmed.substring(equals + 1).trim());
            }
        }
        return value;
    }
}
