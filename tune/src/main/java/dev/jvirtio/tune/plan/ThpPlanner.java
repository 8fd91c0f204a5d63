package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * MEM-HUGEPAGES, transparent huge pages: {@code madvise} instead of {@code never} (QEMU asks for
 * huge pages for guest RAM with madvise), unless every guest is on hugetlbfs; the runtime file now
 * and a tmpfiles.d drop-in for the next boot.
 */
final class ThpPlanner {

    private static final String ENABLED = "/sys/kernel/mm/transparent_hugepage/enabled";
    private static final String DROP_IN = "/etc/tmpfiles.d/90-jvirtio-thp.conf";

    private ThpPlanner() {
    }

    static List<Change> plan(PlanContext c, List<Guest> onHugetlbfs) {
        List<Change> changes = new ArrayList<>();
        Optional<Selector> enabled = c.root.readLine(ENABLED).flatMap(Selector::parse);
        boolean allHugetlbfs = !c.guests.isEmpty() && onHugetlbfs.size() == c.guests.size();
        if (enabled.isEmpty() || !enabled.get().selected().equals("never") || allHugetlbfs
                || !enabled.get().choices().contains("madvise")) {
            return changes;
        }
        changes.add(new SettingWrite("MEM-HUGEPAGES", "host", ENABLED, "never", "madvise",
                enabled.get().select("madvise")));
        c.fileWrite("MEM-HUGEPAGES", FileKind.TMPFILES_DROP_IN, DROP_IN, "# jvirtio apply, MEM-HUGEPAGES: transparent"
                + " huge pages where QEMU asks for them (jvirtio explain MEM-HUGEPAGES)\nw " + ENABLED
                + " - - - - madvise\n").ifPresent(changes::add);
        return changes;
    }
}
