package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.Ksm;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.List;

/**
 * MEM-KSM: KSM should run only when memory is overcommitted, and not merge across NUMA nodes.
 */
public final class MemKsmRule implements Rule {

    /** Savings below this share of the host's memory do not pay for the scanning. */
    public static final double MIN_SAVING = 0.01;
    private static final long PAGE_KIB = 4;

    private static final String REASON = "KSM scans guest memory and merges identical pages into one copy-on-write "
            + "page: it saves memory but the scanning costs CPU, and shared pages let one tenant time another's "
            + "memory accesses. The 2020 text only asked for CONFIG_KSM=y; today it is off by default and worth "
            + "turning on only when memory is overcommitted, with merge_across_nodes=0 on NUMA hosts.";

    private static final RuleInfo INFO = new RuleInfo("MEM-KSM", "MEM", "KSM only when memory is overcommitted",
            Severity.WARN, """
            MEM-KSM: KSM only when memory is overcommitted

            The 2020 text: KSM (Kernel Same-page Merging) lets QEMU register guest memory; KSM scans it and merges \
            identical pages into one shared copy-on-write page. It saves memory, and the scanning costs \
            performance. Check that the kernel has CONFIG_KSM=y.

            Today: every distribution kernel has KSM, and it is off by default (/sys/kernel/mm/ksm/run = 0; ksmtuned \
            may turn it on). It pays when the guests' memory is overcommitted and their pages are alike (many guests \
            of one image). Otherwise the scanner (ksmd) only burns CPU, and merged pages are a side channel between \
            tenants: timing a write to a shared page reveals whether another guest holds the same content. On NUMA \
            hosts, merge_across_nodes=1 (the default) makes a guest read merged pages from a remote node; set it to \
            0 (only possible while run is 0 or 2).

            What jvirtio checks: /sys/kernel/mm/ksm/{run,pages_shared,pages_sharing,merge_across_nodes} and \
            CONFIG_KSM in /boot/config-*. KSM running while the guests' memory fits in the host's fails; so does \
            KSM running with savings under 1% of memory when no guest configuration is known, and merging across \
            nodes on a NUMA host. KSM stopped while the guests' memory exceeds the host's is reported (info).

            Fix: echo 0 > /sys/kernel/mm/ksm/run (and disable ksmtuned), or echo 1 when overcommitted; on NUMA \
            hosts echo 2 > run; echo 0 > merge_across_nodes; echo 1 > run.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        Ksm ksm = host.ksm();
        String expected = "KSM off unless guest memory is overcommitted; merge_across_nodes=0 on NUMA hosts";
        if (!ksm.present()) {
            String why = "the kernel has no KSM (/sys/kernel/mm/ksm is missing"
                    + (ksm.configKsm().equals("n") ? ", " + ksm.configFile() + " says CONFIG_KSM is not set" : "")
                    + ")";
            return List.of(INFO.pass(AuditContext.HOST, why, expected, REASON));
        }
        if (ksm.run().isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "/sys/kernel/mm/ksm/run could not be read", expected,
                    REASON));
        }
        long total = host.memory().totalKiB().orElse(0);
        long guestMemory = context.guests().stream().mapToLong(Guest::memoryKiB).sum();
        boolean guestsKnown = !context.guests().isEmpty() && total > 0;
        boolean overcommitted = guestsKnown && guestMemory > total;
        long savedKiB = ksm.pagesSharing().orElse(0) * PAGE_KIB;
        List<String> evidence = new ArrayList<>();
        evidence.add("run=" + ksm.run().getAsLong() + (ksm.configKsm().isEmpty() ? "" : ", CONFIG_KSM="
                + ksm.configKsm()));
        if (ksm.running()) {
            evidence.add("pages_sharing=" + ksm.pagesSharing().orElse(0) + " (saves " + Units.kib(savedKiB) + ")");
        }
        ksm.mergeAcrossNodes().ifPresent(m -> evidence.add("merge_across_nodes=" + m));
        if (guestsKnown) {
            evidence.add("guests " + Units.kib(guestMemory) + " on " + Units.kib(total) + " of host memory");
        }
        String found = String.join(", ", evidence);
        if (ksm.running()) {
            if (host.numa() && ksm.mergeAcrossNodes().orElse(1) == 1) {
                return List.of(INFO.fail(AuditContext.HOST, found + ": pages are merged across NUMA nodes", expected,
                        REASON, "echo 2 > /sys/kernel/mm/ksm/run; echo 0 > /sys/kernel/mm/ksm/merge_across_nodes; "
                                + "echo 1 > /sys/kernel/mm/ksm/run"));
            }
            if (guestsKnown && !overcommitted) {
                return List.of(INFO.fail(AuditContext.HOST, found + ": KSM scans although the guests' memory fits",
                        expected, REASON, "echo 0 > /sys/kernel/mm/ksm/run; systemctl disable --now ksmtuned"));
            }
            if (!guestsKnown && total > 0 && savedKiB < total * MIN_SAVING) {
                return List.of(INFO.fail(AuditContext.HOST, found + ": KSM scans and saves under "
                                + Units.decimal(MIN_SAVING * 100) + "% of " + Units.kib(total), expected, REASON,
                        "echo 0 > /sys/kernel/mm/ksm/run; systemctl disable --now ksmtuned"));
            }
            return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
        }
        if (overcommitted) {
            return List.of(INFO.fail(Severity.INFO, AuditContext.HOST, found
                    + ": memory is overcommitted and KSM is off", expected, REASON, "echo 1 > /sys/kernel/mm/ksm/run"));
        }
        return List.of(INFO.pass(AuditContext.HOST, found, expected, REASON));
    }
}
