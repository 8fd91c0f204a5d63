package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.Ksm;
import dev.jvirtio.tune.rules.host.MemKsmRule;

import java.util.ArrayList;
import java.util.List;

/**
 * MEM-KSM: KSM runs only when the guests' memory exceeds the host's (and, when no guest is known,
 * only when it saves at least {@link MemKsmRule#MIN_SAVING} of memory); on NUMA hosts it merges
 * within nodes only. The runtime files now, and a tmpfiles.d drop-in that writes them at boot.
 */
final class KsmPlanner {

    private static final String DIR = "/sys/kernel/mm/ksm";
    private static final String DROP_IN = "/etc/tmpfiles.d/90-jvirtio-ksm.conf";
    private static final long PAGE_KIB = 4;

    private KsmPlanner() {
    }

    static List<Change> plan(PlanContext c) {
        HostFacts host = c.host;
        Ksm ksm = host.ksm();
        List<Change> changes = new ArrayList<>();
        if (!ksm.present() || ksm.run().isEmpty()) {
            return changes;
        }
        long run = ksm.run().getAsLong();
        long total = host.memory().totalKiB().orElse(0);
        long guestMemory = c.guests.stream().mapToLong(Guest::memoryKiB).sum();
        boolean guestsKnown = !c.guests.isEmpty() && total > 0;
        boolean overcommitted = guestsKnown && guestMemory > total;
        boolean wanted;
        if (guestsKnown) {
            wanted = overcommitted;
        } else {
            long saved = ksm.pagesSharing().orElse(0) * PAGE_KIB;
            wanted = run == 1 && (total == 0 || saved >= total * MemKsmRule.MIN_SAVING);
        }
        boolean splitNodes = wanted && host.numa() && ksm.mergeAcrossNodes().orElse(0) == 1;
        StringBuilder tmpfiles = new StringBuilder("# jvirtio apply, MEM-KSM: KSM only when memory is overcommitted"
                + " (jvirtio explain MEM-KSM)\n");
        if (splitNodes) {
            long now = run;
            if (now == 1) {
                changes.add(write("run", "1", "2"));
                now = 2;
            }
            changes.add(write("merge_across_nodes", "1", "0"));
            if (now != 1) {
                changes.add(write("run", Long.toString(now), "1"));
            }
            tmpfiles.append("w ").append(DIR).append("/merge_across_nodes - - - - 0\n");
        } else if (wanted && run != 1) {
            changes.add(write("run", Long.toString(run), "1"));
        } else if (!wanted && run == 1) {
            changes.add(write("run", "1", "0"));
        }
        if (!changes.isEmpty()) {
            tmpfiles.append("w ").append(DIR).append("/run - - - - ").append(wanted ? 1 : 0).append('\n');
            c.fileWrite("MEM-KSM", FileKind.TMPFILES_DROP_IN, DROP_IN, tmpfiles.toString()).ifPresent(changes::add);
            if (!wanted) {
                c.notes.add("MEM-KSM: if ksmtuned is installed it starts KSM again; stop it: systemctl disable --now "
                        + "ksmtuned");
            }
        }
        return changes;
    }

    private static SettingWrite write(String file, String from, String to) {
        return new SettingWrite("MEM-KSM", "host", DIR + "/" + file, from, to, to);
    }
}
