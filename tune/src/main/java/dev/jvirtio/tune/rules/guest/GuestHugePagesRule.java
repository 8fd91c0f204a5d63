package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.Optional;

/**
 * MEM-HUGEPAGES-GUEST: a large guest's RAM is backed by huge pages, hugetlbfs or at least THP. The
 * host side (THP mode, hugetlb pools) is MEM-HUGEPAGES.
 */
public final class GuestHugePagesRule extends GuestRule {

    /** Guests with at least this much RAM are judged: below it the TLB reach of 4 KiB pages suffices. */
    public static final long THRESHOLD_KIB = 4L << 20;

    public GuestHugePagesRule() {
        super("MEM-HUGEPAGES-GUEST", "MEM", "Large guests are backed by huge pages", Severity.INFO,
                "guests of 4 GiB or more on hugetlbfs (<memoryBacking><hugepages/>), or on a host with THP"
                        + " 'always' or 'madvise'",
                "A guest's memory accesses go through two page tables, the guest's and the host's (EPT/NPT), so a"
                        + " TLB miss costs up to 24 memory reads with 4 KiB pages on both sides. Backing guest RAM with"
                        + " 2 MiB or 1 GiB pages shortens the host walk and multiplies TLB reach. In 2020 the advice was"
                        + " hugetlbfs; today THP in madvise mode gives QEMU's RAM huge pages too, and hugetlbfs is for"
                        + " when they must be guaranteed.",
                """
                MEM-HUGEPAGES-GUEST: huge pages for guest RAM

                The text: use huge pages. A normal 4 KiB translation walks PDPT, PD, page table and
                offset; a 2 MiB one stops at the PD, so the TLB covers more memory and hits more often.

                Today: with hardware-assisted paging a guest TLB miss walks the guest's page table and,
                for every level of it, the host's: up to 24 memory reads. QEMU marks guest RAM
                MADV_HUGEPAGE, so a host with THP 'always' or 'madvise' backs it with 2 MiB pages when
                it can, without configuration; hugetlbfs (<memoryBacking><hugepages/>, preallocated
                pools per NUMA node, 2 MiB or 1 GiB) guarantees them and is what latency-sensitive and
                very large guests use. Huge pages cannot be swapped or merged by KSM and make the
                balloon ineffective.

                The audit judges guests of 4 GiB or more: hugetlbfs backing passes; otherwise it looks
                at the audited host's THP mode. The host's pools are checked by MEM-HUGEPAGES.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        long gib = (guest.memoryKiB() + (1L << 20) - 1) >> 20;
        String size = String.format(java.util.Locale.ROOT, "%.1f GiB", guest.memoryKiB() / 1048576.0);
        if (guest.memory().hugepages()) {
            long page = guest.memory().hugepageSizeKiB();
            return pass(guest, size + " on hugetlbfs" + (page > 0 ? " (" + page + " KiB pages)" : " (default page size)")
                    + (guest.memory().hugepageNodeset().isEmpty() ? "" : " from node(s) " + guest.memory().hugepageNodeset()));
        }
        if (guest.memoryKiB() < THRESHOLD_KIB) {
            return notApplicable(guest, size + " of RAM, below the 4 GiB where huge pages start to matter");
        }
        Optional<String> thp = context.host().thp().enabled();
        if (thp.isPresent() && (thp.get().equals("always") || thp.get().equals("madvise"))) {
            return pass(guest, size + " on ordinary pages; the host's THP mode '" + thp.get()
                    + "' gives QEMU's RAM 2 MiB pages when it can (not guaranteed)");
        }
        String why = thp.map(t -> "the host's THP mode is '" + t + "'").orElse("the host's THP mode is unknown");
        long pages = (guest.memoryKiB() + 2047) / 2048;
        String fix = libvirt(guest)
                ? "<memoryBacking>\n  <hugepages/>\n</memoryBacking>  (after reserving " + pages
                        + " 2 MiB pages: sysctl vm.nr_hugepages=" + pages + ")"
                : "-object memory-backend-file,id=mem0,size=" + gib + "G,mem-path=/dev/hugepages,share=on,prealloc=on"
                        + " -machine memory-backend=mem0";
        return fail(guest, size + " on ordinary 4 KiB pages, and " + why, fix);
    }
}
