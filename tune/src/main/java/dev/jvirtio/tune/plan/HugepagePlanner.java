package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.HugePagePool;
import dev.jvirtio.tune.host.NumaNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * MEM-HUGEPAGES, hugetlb pools: each pool grows to hold the pages of the guests backed by it, per
 * NUMA node on NUMA hosts (a guest's pages come from the node its memory is bound to, split evenly
 * over several), host-wide otherwise. Pools only grow: pages others may use are never taken away.
 * Huge pages are best reserved at boot, before memory fragments, so the matching kernel
 * command-line parameters are suggested too.
 */
final class HugepagePlanner {

    private HugepagePlanner() {
    }

    static List<Change> plan(PlanContext c, List<Guest> onHugetlbfs) {
        HostFacts host = c.host;
        List<Change> changes = new ArrayList<>();
        Map<Long, Map<Integer, Long>> perNode = new TreeMap<>();
        Map<Long, Long> hostWide = new TreeMap<>();
        for (Guest guest : onHugetlbfs) {
            long size = guest.memory().hugepageSizeKiB() > 0 ? guest.memory().hugepageSizeKiB()
                    : host.defaultHugepageKiB();
            long pages = Math.ceilDiv(Math.max(0, guest.memoryKiB()), size);
            Optional<CpuSet> nodes = nodesOf(guest, c);
            if (host.numa() && nodes.isPresent() && !nodes.get().isEmpty()) {
                long share = Math.ceilDiv(pages, nodes.get().size());
                for (int node : nodes.get().toArray()) {
                    perNode.computeIfAbsent(size, s -> new TreeMap<>()).merge(node, share, Long::sum);
                }
            } else if (host.numa()) {
                long share = Math.ceilDiv(pages, host.nodes().size());
                for (NumaNode node : host.nodes()) {
                    perNode.computeIfAbsent(size, s -> new TreeMap<>()).merge(node.id(), share, Long::sum);
                }
            } else {
                hostWide.merge(size, pages, Long::sum);
            }
        }
        for (Map.Entry<Long, Map<Integer, Long>> pool : perNode.entrySet()) {
            long size = pool.getKey();
            long total = 0;
            boolean grows = false;
            List<String> bootNodes = new ArrayList<>();
            for (NumaNode node : host.nodes()) {
                long current = node.pool(size).map(HugePagePool::total).orElse(0L);
                long wanted = Math.max(current, pool.getValue().getOrDefault(node.id(), 0L));
                total += wanted;
                bootNodes.add(node.id() + ":" + wanted);
                if (wanted > current) {
                    if (node.pool(size).isEmpty()) {
                        c.notes.add("node " + node.id() + " has no pool of " + size + " KiB pages; its guests' huge "
                                + "pages were not planned");
                        continue;
                    }
                    grows = true;
                    checkMemory(c, "node " + node.id(), node.memTotalKiB().orElse(Long.MAX_VALUE), wanted, size);
                    changes.add(new SettingWrite("MEM-HUGEPAGES", "host", "/sys/devices/system/node/node" + node.id()
                            + "/hugepages/hugepages-" + size + "kB/nr_hugepages", Long.toString(current),
                            Long.toString(wanted), Long.toString(wanted)));
                }
            }
            if (grows) {
                long current = host.pool(size).map(HugePagePool::total).orElse(0L);
                if (total > current && host.pool(size).isPresent()) {
                    // The host-wide count is the sum of the nodes'; written last, it only confirms them.
                    changes.add(new SettingWrite("MEM-HUGEPAGES", "host", "/sys/kernel/mm/hugepages/hugepages-" + size
                            + "kB/nr_hugepages", Long.toString(current), Long.toString(total), Long.toString(total)));
                }
                changes.add(boot(size, String.join(",", bootNodes)));
            }
        }
        for (Map.Entry<Long, Long> pool : hostWide.entrySet()) {
            long size = pool.getKey();
            Optional<HugePagePool> existing = host.pool(size);
            long current = existing.map(HugePagePool::total).orElse(0L);
            if (pool.getValue() <= current) {
                continue;
            }
            if (existing.isEmpty()) {
                c.notes.add("the host has no pool of " + size + " KiB pages; the guests asking for them were not "
                        + "planned");
                continue;
            }
            checkMemory(c, "the host", host.memory().totalKiB().orElse(Long.MAX_VALUE), pool.getValue(), size);
            changes.add(new SettingWrite("MEM-HUGEPAGES", "host", "/sys/kernel/mm/hugepages/hugepages-" + size
                    + "kB/nr_hugepages", Long.toString(current), Long.toString(pool.getValue()),
                    Long.toString(pool.getValue())));
            changes.add(boot(size, Long.toString(pool.getValue())));
        }
        return changes;
    }

    /** The nodes a guest's memory is bound to: its planned placement, else its numatune. */
    private static Optional<CpuSet> nodesOf(Guest guest, PlanContext c) {
        Placement placement = c.placements.get(guest.name());
        if (placement != null) {
            return Optional.of(placement.nodes());
        }
        return CpuSet.tryParse(guest.numatune().nodeset()).filter(set -> !set.isEmpty());
    }

    private static void checkMemory(PlanContext c, String where, long memoryKiB, long pages, long size) {
        if (memoryKiB != Long.MAX_VALUE && (double) pages * size > memoryKiB * 0.9) {
            c.notes.add(where + " has " + memoryKiB / 1024 + " MiB of memory; " + pages + " huge pages of " + size
                    + " KiB take more than 90% of it");
        }
    }

    private static KernelCmdline boot(long sizeKiB, String counts) {
        String size = sizeKiB % (1024 * 1024) == 0 ? sizeKiB / (1024 * 1024) + "G"
                : sizeKiB % 1024 == 0 ? sizeKiB / 1024 + "M" : sizeKiB + "K";
        return new KernelCmdline("MEM-HUGEPAGES", "host", "hugepagesz=" + size + " hugepages=" + counts,
                "huge pages reserved at boot are there before memory fragments");
    }
}
