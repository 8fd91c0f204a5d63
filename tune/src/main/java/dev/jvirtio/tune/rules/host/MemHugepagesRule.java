package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.HugePagePool;
import dev.jvirtio.tune.host.NumaNode;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MEM-HUGEPAGES, host side: transparent huge pages must not be off, and the hugetlb pools must hold
 * the pages that guests backed by huge pages ask for (per NUMA node when they name nodes).
 */
public final class MemHugepagesRule implements Rule {

    private static final String REASON = "A 4 KiB page translation walks four levels of page tables and a 2 MiB one "
            + "stops a level earlier, so the TLB covers 512 times more memory per entry; for guests the saving "
            + "counts twice, in the guest's and the host's tables. The 2020 text said to use huge pages; today THP "
            + "in madvise mode is enough for QEMU, which madvises guest RAM, and hugetlbfs pools (2 MiB or 1 GiB, per "
            + "NUMA node) are for memory that must be guaranteed.";

    private static final RuleInfo INFO = new RuleInfo("MEM-HUGEPAGES", "MEM", "Huge pages for guest memory",
            Severity.WARN, """
            MEM-HUGEPAGES: Huge pages for guest memory

            The 2020 text: use huge pages. A normal 4K translation walks PDPT -> page directory -> page table -> \
            offset; a 2M page stops at the page directory. The TLB then covers more memory and hits more often.

            Today: transparent huge pages (THP) give most of the gain without reservation: QEMU calls \
            madvise(MADV_HUGEPAGE) on guest RAM, so /sys/kernel/mm/transparent_hugepage/enabled set to madvise (the \
            common distribution default) or always is enough; never throws the gain away. Persistent huge pages \
            from hugetlbfs (<memoryBacking><hugepages/>) are guaranteed, cannot be swapped or split, and come in \
            2 MiB and 1 GiB sizes, but must be reserved in a pool beforehand, per NUMA node when a guest is bound \
            to nodes: a guest whose pages are not in the pool fails to start. Pages reserved and unused are memory \
            no one else can use.

            What jvirtio checks: THP 'enabled' (never fails unless every known guest uses hugetlbfs) and 'defrag'; \
            the pools in /sys/kernel/mm/hugepages and each node's hugepages directory against the guests that ask \
            for huge pages (their memory over the page size, summed per size and per node set); a reserved pool \
            that no known guest uses is reported (info).

            Fix: echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (and transparent_hugepage=madvise on \
            the kernel command line); sysctl -w vm.nr_hugepages=N or, per node, echo N > \
            /sys/devices/system/node/nodeX/hugepages/hugepages-2048kB/nr_hugepages.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        List<Finding> findings = new ArrayList<>();
        List<Guest> asking = context.guests().stream().filter(g -> g.memory().hugepages()).toList();
        findings.add(judgeHost(context, host, asking));
        Map<String, Long> neededPerPool = new HashMap<>();
        for (Guest guest : asking) {
            long size = sizeOf(guest, host);
            neededPerPool.merge(poolKey(size, guest.memory().hugepageNodeset()), pages(guest.memoryKiB(), size),
                    Long::sum);
        }
        for (Guest guest : asking) {
            findings.add(judgeGuest(guest, host, asking, neededPerPool));
        }
        return findings;
    }

    private Finding judgeHost(AuditContext context, HostFacts host, List<Guest> asking) {
        String expected = "THP enabled=madvise or always; hugetlb pools sized for the guests that use them";
        Optional<String> enabled = host.thp().enabled();
        List<String> evidence = new ArrayList<>();
        evidence.add("THP enabled=" + enabled.orElse("unreadable") + ", defrag=" + host.thp().defrag().orElse("unreadable"));
        for (HugePagePool pool : host.hugepages()) {
            if (pool.total() > 0) {
                evidence.add(Units.kib(pool.sizeKiB()) + " pool: " + pool.total() + " pages (" + pool.free() + " free)");
            }
        }
        String found = String.join(", ", evidence);
        boolean allHugetlb = !context.guests().isEmpty() && asking.size() == context.guests().size();
        if (enabled.isPresent() && enabled.get().equals("never") && !allHugetlb) {
            return INFO.fail(AuditContext.HOST, found + ": guest memory gets no transparent huge pages", expected,
                    REASON, "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled\n"
                            + "add transparent_hugepage=madvise to the kernel command line");
        }
        long reservedKiB = host.hugepages().stream().mapToLong(HugePagePool::totalKiB).sum();
        if (!context.guests().isEmpty() && asking.isEmpty() && reservedKiB > 0) {
            return INFO.fail(Severity.INFO, AuditContext.HOST, found + ": " + Units.kib(reservedKiB)
                    + " reserved in huge pages and no known guest uses them", expected, REASON,
                    "sysctl -w vm.nr_hugepages=0 (or back guests with <memoryBacking><hugepages/></memoryBacking>)");
        }
        if (enabled.isEmpty() && host.hugepages().isEmpty()) {
            return INFO.notApplicable(AuditContext.HOST, "neither /sys/kernel/mm/transparent_hugepage nor "
                    + "/sys/kernel/mm/hugepages could be read", expected, REASON);
        }
        return INFO.pass(AuditContext.HOST, found, expected, REASON);
    }

    private Finding judgeGuest(Guest guest, HostFacts host, List<Guest> asking, Map<String, Long> neededPerPool) {
        long size = sizeOf(guest, host);
        String nodeset = guest.memory().hugepageNodeset();
        long own = pages(guest.memoryKiB(), size);
        long needed = neededPerPool.getOrDefault(poolKey(size, nodeset), own);
        String expected = "a " + Units.kib(size) + " pool" + (nodeset.isBlank() ? "" : " on nodes " + nodeset)
                + " with at least " + needed + " pages";
        String sharing = asking.size() > 1 ? " (" + needed + " for all guests drawing on it)" : "";
        long total;
        String where;
        if (nodeset.isBlank()) {
            total = host.pool(size).map(HugePagePool::total).orElse(-1L);
            where = "host-wide";
        } else {
            Optional<CpuSet> nodes = CpuSet.tryParse(nodeset);
            if (nodes.isEmpty()) {
                return INFO.fail(guest.name(), "the huge page nodeset '" + nodeset + "' is not a node list", expected,
                        REASON, "<memoryBacking><hugepages><page size='" + size + "' unit='KiB' nodeset='0'/>"
                                + "</hugepages></memoryBacking>");
            }
            total = 0;
            for (NumaNode node : host.nodes()) {
                if (nodes.get().contains(node.id())) {
                    total += node.pool(size).map(HugePagePool::total).orElse(0L);
                }
            }
            where = "on nodes " + nodeset;
        }
        String found = Units.kib(guest.memoryKiB()) + " backed by " + Units.kib(size) + " pages needs " + own
                + sharing + "; pool " + where + ": " + (total < 0 ? "none of that size" : total + " pages");
        if (total >= needed) {
            return INFO.pass(guest.name(), found, expected, REASON);
        }
        String fix;
        if (nodeset.isBlank()) {
            fix = size == host.defaultHugepageKiB() ? "sysctl -w vm.nr_hugepages=" + needed
                    : "echo " + needed + " > /sys/kernel/mm/hugepages/hugepages-" + size + "kB/nr_hugepages";
        } else {
            StringBuilder lines = new StringBuilder();
            CpuSet nodes = CpuSet.parse(nodeset);
            long perNode = Math.ceilDiv(needed, nodes.size());
            for (int node : nodes.toArray()) {
                lines.append("echo ").append(perNode).append(" > /sys/devices/system/node/node").append(node)
                        .append("/hugepages/hugepages-").append(size).append("kB/nr_hugepages\n");
            }
            fix = lines.toString().strip();
        }
        return INFO.fail(guest.name(), found, expected, REASON, fix);
    }

    private static long sizeOf(Guest guest, HostFacts host) {
        long size = guest.memory().hugepageSizeKiB();
        return size > 0 ? size : host.defaultHugepageKiB();
    }

    private static long pages(long memoryKiB, long sizeKiB) {
        return Math.ceilDiv(Math.max(0, memoryKiB), sizeKiB);
    }

    private static String poolKey(long size, String nodeset) {
        return size + "@" + nodeset.strip();
    }
}
