package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.VcpuPin;
import dev.jvirtio.tune.host.CacheGroup;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NumaNode;
import dev.jvirtio.tune.host.QemuProcess;
import dev.jvirtio.tune.host.QemuThread;
import dev.jvirtio.tune.rules.host.CpuOvercommitRule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * CPU-PIN and MEM-NUMA: places the vCPUs of every editable guest on the host's CPUs.
 *
 * <ul>
 * <li>Each guest goes on one NUMA node, inside one last-level-cache group when one has room, with
 * its memory bound to that node.</li>
 * <li>vCPUs take whole cores: vCPUs 2k and 2k+1 run on the two SMT siblings of one core, and no
 * core is split between guests.</li>
 * <li>Each node keeps CPUs for the emulator threads and IOThreads of its guests: the siblings of
 * the CPUs reserved for the host, else its last core.</li>
 * <li>CPUs reserved for the host ({@link PlanOptions#reserved()}) are never used.</li>
 * <li>A guest whose pins already satisfy all this keeps them; pinned guests that cannot be edited
 * keep their cores.</li>
 * <li>A guest that fits on no node's free cores is overcommitted: its vCPUs share the free CPUs of
 * one node (of all nodes when it is larger than a node), and the plan says so.</li>
 * </ul>
 *
 * <p>Only on hosts where CPU-PIN applies: more than one NUMA node or last-level cache.
 */
final class PlacementPlanner {

    private PlacementPlanner() {
    }

    /** Fills {@link PlanContext#placements} for the editable guests. */
    static void plan(PlanContext c) {
        HostFacts host = c.host;
        List<CacheGroup> llcs = host.cpu().lastLevelCaches();
        CpuSet online = host.cpu().online();
        List<Guest> editable = c.guests.stream().filter(c::editable).toList();
        if (editable.isEmpty() || online.isEmpty() || !host.numa() && llcs.size() <= 1) {
            return;
        }
        CpuSet reserved = c.options.reserved().intersection(online);
        List<Node> nodes = layout(host, llcs, online, reserved);
        if (nodes.stream().allMatch(n -> n.pool.isEmpty())) {
            c.notes.add("no CPU is left for guests once CPUs " + reserved + " are reserved for the host; "
                    + "vCPUs were not pinned");
            return;
        }
        for (Guest guest : c.guests) {
            if (!c.editable(guest)) {
                claimForeign(guest, host, nodes, c);
            }
        }
        Map<String, Placement> placed = new LinkedHashMap<>();
        List<Guest> byName = editable.stream().sorted(Comparator.comparing(Guest::name)).toList();
        for (Guest guest : byName) {
            keep(guest, nodes).ifPresent(p -> placed.put(guest.name(), p));
        }
        List<Guest> rest = editable.stream().filter(g -> !placed.containsKey(g.name()))
                .sorted(Comparator.comparingInt(Guest::vcpus).reversed()
                        .thenComparing(Comparator.comparingLong(Guest::memoryKiB).reversed())
                        .thenComparing(Guest::name))
                .toList();
        List<Guest> overcommitted = new ArrayList<>();
        for (Guest guest : rest) {
            Optional<Placement> p = dedicated(guest, nodes, preferredNode(guest, nodes));
            if (p.isPresent()) {
                placed.put(guest.name(), p.get());
            } else {
                overcommitted.add(guest);
            }
        }
        for (Guest guest : overcommitted) {
            placed.put(guest.name(), shared(guest, nodes, preferredNode(guest, nodes), c));
        }
        for (Guest guest : c.guests) {
            Placement p = placed.get(guest.name());
            if (p != null) {
                if (p.housekeeping().isEmpty()) {
                    c.notes.add(guest.name() + ": no CPU is free for its emulator threads and IOThreads, so they "
                            + "share its vCPUs' CPUs");
                    p = new Placement(p.guest(), p.vcpus(), p.vcpuCpus(), p.nodes(), p.shared());
                }
                c.placements.put(guest.name(), p);
            }
        }
    }

    /** One NUMA node (or the whole machine without NUMA) cut into cores. */
    private static final class Node {
        final int id;
        final CpuSet cpus;
        final long memoryKiB;
        final List<CpuSet> llcs = new ArrayList<>();
        final List<Core> pool = new ArrayList<>();
        CpuSet housekeeping = CpuSet.empty();
        long memoryUsed;

        Node(int id, CpuSet cpus, long memoryKiB) {
            this.id = id;
            this.cpus = cpus;
            this.memoryKiB = memoryKiB;
        }

        int freeThreads() {
            return pool.stream().filter(core -> !core.claimed).mapToInt(core -> core.threads.length).sum();
        }

        CpuSet freeCpus() {
            CpuSet free = CpuSet.empty();
            for (Core core : pool) {
                if (!core.claimed) {
                    free = free.union(core.set);
                }
            }
            return free;
        }

        CpuSet poolCpus() {
            CpuSet all = CpuSet.empty();
            for (Core core : pool) {
                all = all.union(core.set);
            }
            return all;
        }

        boolean memoryFits(Guest guest) {
            return memoryUsed + guest.memoryKiB() <= memoryKiB;
        }
    }

    /** The threads of one core that guests may use, and the cache group they sit in. */
    private static final class Core {
        final int llc;
        final int[] threads;
        final CpuSet set;
        boolean claimed;

        Core(int llc, CpuSet set) {
            this.llc = llc;
            this.set = set;
            this.threads = set.toArray();
        }
    }

    private static List<Node> layout(HostFacts host, List<CacheGroup> llcs, CpuSet online, CpuSet reserved) {
        List<Node> nodes = new ArrayList<>();
        if (host.nodes().isEmpty()) {
            nodes.add(new Node(0, online, host.memory().totalKiB().orElse(Long.MAX_VALUE)));
        } else {
            for (NumaNode n : host.nodes()) {
                CpuSet cpus = n.cpus().intersection(online);
                if (!cpus.isEmpty()) {
                    nodes.add(new Node(n.id(), cpus, n.memTotalKiB().orElse(Long.MAX_VALUE)));
                }
            }
        }
        for (Node node : nodes) {
            CpuSet covered = CpuSet.empty();
            for (CacheGroup llc : llcs) {
                CpuSet part = llc.cpus().intersection(node.cpus);
                if (!part.isEmpty() && !covered.intersects(part)) {
                    node.llcs.add(part);
                    covered = covered.union(part);
                }
            }
            CpuSet rest = minus(node.cpus, covered);
            if (!rest.isEmpty()) {
                node.llcs.add(rest);
            }
            CpuSet housekeeping = CpuSet.empty();
            for (int cpu : reserved.intersection(node.cpus).toArray()) {
                housekeeping = housekeeping.union(host.cpu().siblingsOf(cpu).intersection(node.cpus));
            }
            node.housekeeping = minus(housekeeping, reserved);
            Set<Integer> seen = new HashSet<>();
            List<Core> cores = new ArrayList<>();
            for (int cpu : node.cpus.toArray()) {
                if (seen.contains(cpu)) {
                    continue;
                }
                int llc = llcOf(node, cpu);
                CpuSet core = host.cpu().siblingsOf(cpu).intersection(node.cpus).intersection(node.llcs.get(llc))
                        .union(CpuSet.of(cpu));
                for (int t : core.toArray()) {
                    seen.add(t);
                }
                if (!core.intersects(reserved) && !core.intersects(node.housekeeping)) {
                    cores.add(new Core(llc, core));
                }
            }
            if (node.housekeeping.isEmpty() && cores.size() >= 2) {
                node.housekeeping = cores.removeLast().set;
            }
            node.pool.addAll(cores);
        }
        return nodes;
    }

    private static int llcOf(Node node, int cpu) {
        for (int i = 0; i < node.llcs.size(); i++) {
            if (node.llcs.get(i).contains(cpu)) {
                return i;
            }
        }
        return 0;
    }

    /** Marks the cores of a guest that cannot be edited, when it is pinned, as taken. */
    private static void claimForeign(Guest guest, HostFacts host, List<Node> nodes, PlanContext c) {
        CpuSet pinned = CpuSet.empty();
        for (VcpuPin pin : guest.vcpuPins()) {
            pinned = pinned.union(CpuSet.tryParse(pin.cpuset()).orElse(CpuSet.empty()));
        }
        if (pinned.isEmpty() && guest.source().startsWith("pid ")) {
            String pid = guest.source().substring(4).trim();
            CpuSet online = host.cpu().online();
            for (QemuProcess process : host.qemuProcesses()) {
                if (Integer.toString(process.pid()).equals(pid)) {
                    for (QemuThread thread : process.vcpuThreads()) {
                        CpuSet set = CpuSet.tryParse(thread.cpusAllowed()).orElse(online);
                        if (!set.containsAll(online)) {
                            pinned = pinned.union(set);
                        }
                    }
                }
            }
        }
        if (pinned.isEmpty()) {
            return;
        }
        for (Node node : nodes) {
            for (Core core : node.pool) {
                if (core.set.intersects(pinned)) {
                    core.claimed = true;
                }
            }
        }
        c.notes.add(guest.name() + " (" + guest.source() + ") cannot be edited; its pinned CPUs " + pinned
                + " were left to it");
    }

    /** The guest's own pins, when each vCPU has one CPU of free cores of one node. */
    private static Optional<Placement> keep(Guest guest, List<Node> nodes) {
        Map<Integer, CpuSet> pins = new TreeMap<>();
        for (VcpuPin pin : guest.vcpuPins()) {
            Optional<CpuSet> set = CpuSet.tryParse(pin.cpuset());
            if (set.isEmpty() || set.get().size() != 1 || pins.put(pin.vcpu(), set.get()) != null) {
                return Optional.empty();
            }
        }
        if (guest.vcpus() < 1 || pins.size() != guest.vcpus()
                || !pins.keySet().equals(IntStream.range(0, guest.vcpus()).boxed().collect(Collectors.toSet()))) {
            return Optional.empty();
        }
        CpuSet all = CpuSet.empty();
        for (CpuSet set : pins.values()) {
            if (all.intersects(set)) {
                return Optional.empty();
            }
            all = all.union(set);
        }
        for (Node node : nodes) {
            if (!node.cpus.containsAll(all) || !node.memoryFits(guest)) {
                continue;
            }
            List<Core> cores = new ArrayList<>();
            for (int cpu : all.toArray()) {
                Optional<Core> core = node.pool.stream().filter(k -> k.set.contains(cpu)).findFirst();
                if (core.isEmpty() || core.get().claimed) {
                    return Optional.empty();
                }
                if (!cores.contains(core.get())) {
                    cores.add(core.get());
                }
            }
            cores.forEach(core -> core.claimed = true);
            node.memoryUsed += guest.memoryKiB();
            return Optional.of(new Placement(guest.name(), new ArrayList<>(pins.values()), node.housekeeping,
                    CpuSet.of(node.id), false));
        }
        return Optional.empty();
    }

    /** Whole free cores of one node for every vCPU, siblings paired; empty when no node has room. */
    private static Optional<Placement> dedicated(Guest guest, List<Node> nodes, Optional<Node> preferred) {
        List<Node> fitting = nodes.stream().filter(n -> n.freeThreads() >= guest.vcpus() && n.memoryFits(guest))
                .toList();
        if (fitting.isEmpty() || guest.vcpus() < 1) {
            return Optional.empty();
        }
        Node node = preferred.filter(fitting::contains).orElseGet(() -> fitting.stream()
                .min(Comparator.comparingInt(Node::freeThreads).thenComparingInt(n -> n.id)).orElseThrow());
        List<Core> free = node.pool.stream().filter(core -> !core.claimed).toList();
        List<Core> chosen = null;
        int bestRoom = Integer.MAX_VALUE;
        for (int llc = 0; llc < node.llcs.size(); llc++) {
            int group = llc;
            List<Core> inGroup = free.stream().filter(core -> core.llc == group).toList();
            int room = inGroup.stream().mapToInt(core -> core.threads.length).sum();
            if (room >= guest.vcpus() && room < bestRoom) {
                bestRoom = room;
                chosen = inGroup;
            }
        }
        if (chosen == null) {
            chosen = free;
        }
        List<CpuSet> pins = new ArrayList<>();
        for (Core core : chosen) {
            if (pins.size() >= guest.vcpus()) {
                break;
            }
            core.claimed = true;
            for (int thread : core.threads) {
                if (pins.size() < guest.vcpus()) {
                    pins.add(CpuSet.of(thread));
                }
            }
        }
        node.memoryUsed += guest.memoryKiB();
        return Optional.of(new Placement(guest.name(), pins, node.housekeeping, CpuSet.of(node.id), false));
    }

    /**
     * A guest that fits on no node's free cores: its vCPUs share the free CPUs of the node with the
     * most of them (of every node when the guest is larger than any node), one cache group per vCPU.
     */
    private static Placement shared(Guest guest, List<Node> nodes, Optional<Node> preferred, PlanContext c) {
        int largest = nodes.stream().mapToInt(n -> n.cpus.size()).max().orElse(0);
        List<Node> fitting = nodes.stream().filter(n -> n.memoryFits(guest) && !n.pool.isEmpty()).toList();
        List<Node> chosen;
        if (guest.vcpus() > largest || fitting.isEmpty()) {
            chosen = nodes.stream().filter(n -> !n.pool.isEmpty()).toList();
        } else {
            chosen = List.of(preferred.filter(fitting::contains).filter(n -> n.freeThreads() > 0)
                    .orElseGet(() -> fitting.stream().max(Comparator.comparingInt(Node::freeThreads)
                            .thenComparing(Comparator.comparingInt((Node n) -> n.id).reversed())).orElseThrow()));
        }
        CpuSet pool = CpuSet.empty();
        for (Node node : chosen) {
            pool = pool.union(node.freeCpus());
        }
        boolean crowding = pool.isEmpty();
        if (crowding) {
            for (Node node : chosen) {
                pool = pool.union(node.poolCpus());
            }
        }
        CpuSet shared = pool;
        List<CpuSet> groups = new ArrayList<>();
        CpuSet housekeeping = CpuSet.empty();
        CpuSet nodeIds = CpuSet.empty();
        for (Node node : chosen) {
            for (CpuSet llc : node.llcs) {
                CpuSet part = llc.intersection(pool);
                if (!part.isEmpty()) {
                    groups.add(part);
                }
            }
            node.pool.forEach(core -> core.claimed = core.claimed || core.set.intersects(shared));
            node.memoryUsed += guest.memoryKiB() / chosen.size();
            housekeeping = housekeeping.union(node.housekeeping);
            nodeIds = nodeIds.union(CpuSet.of(node.id));
        }
        List<CpuSet> pins = new ArrayList<>();
        for (int vcpu = 0; vcpu < guest.vcpus(); vcpu++) {
            pins.add(groups.get(vcpu % groups.size()));
        }
        double load = (double) guest.vcpus() / pool.size();
        String where = chosen.size() == 1 ? "node " + chosen.getFirst().id : "nodes " + nodeIds;
        StringBuilder note = new StringBuilder(guest.name() + ": its " + guest.vcpus()
                + " vCPUs do not fit on the free cores of one NUMA node, so they share CPUs " + pool + " of " + where
                + " (" + String.format(Locale.ROOT, "%.2f", load) + " vCPUs per CPU" + (crowding
                ? ", together with guests pinned there" : "") + "): the host's CPUs are overcommitted (CPU-OVERCOMMIT)");
        if (chosen.size() > 1) {
            note.append("; the guest is larger than a node: give it a guest NUMA topology (<cpu><numa>) that "
                    + "matches the host");
        }
        if (load > CpuOvercommitRule.MAX_PINNED_LOAD || crowding) {
            note.append("; move a guest to another host or give it fewer vCPUs");
        }
        c.notes.add(note.toString());
        return new Placement(guest.name(), pins, housekeeping, nodeIds, true);
    }

    /** The node a guest is already bound to (numatune, huge page nodes, or all its pins), if one. */
    private static Optional<Node> preferredNode(Guest guest, List<Node> nodes) {
        List<String> candidates = List.of(guest.numatune().nodeset(), guest.memory().hugepageNodeset());
        for (String nodeset : candidates) {
            Optional<CpuSet> set = CpuSet.tryParse(nodeset).filter(s -> s.size() == 1);
            if (set.isPresent()) {
                int id = set.get().toArray()[0];
                return nodes.stream().filter(n -> n.id == id).findFirst();
            }
        }
        CpuSet pinned = CpuSet.empty();
        for (VcpuPin pin : guest.vcpuPins()) {
            pinned = pinned.union(CpuSet.tryParse(pin.cpuset()).orElse(CpuSet.empty()));
        }
        if (pinned.isEmpty()) {
            return Optional.empty();
        }
        CpuSet all = pinned;
        return nodes.stream().filter(n -> n.cpus.containsAll(all)).findFirst();
    }

    private static CpuSet minus(CpuSet set, CpuSet removed) {
        return CpuSet.of(Arrays.stream(set.toArray()).filter(cpu -> !removed.contains(cpu)).toArray());
    }
}
