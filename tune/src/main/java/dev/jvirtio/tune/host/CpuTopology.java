package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The online CPUs, their sockets, cores and SMT siblings, and the caches they share, read from
 * {@code /sys/devices/system/cpu}.
 *
 * @param cpus   the online CPUs, ascending
 * @param caches every distinct cache (level, type, sharing CPUs)
 */
public record CpuTopology(List<Cpu> cpus, List<CacheGroup> caches) {

    private static final String CPU_DIR = "/sys/devices/system/cpu";

    public CpuTopology {
        cpus = List.copyOf(cpus);
        caches = List.copyOf(caches);
    }

    /** Reads the topology; CPUs that are offline (per {@code cpu/online}) are left out. */
    public static CpuTopology read(FactRoot root) {
        Optional<CpuSet> online = root.readLine(CPU_DIR + "/online").flatMap(text -> {
            Optional<CpuSet> parsed = CpuSet.tryParse(text);
            if (parsed.isEmpty()) {
                root.problem(CPU_DIR + "/online: not a CPU list: '" + text + "'");
            }
            return parsed;
        });
        List<Cpu> cpus = new ArrayList<>();
        Set<CacheGroup> caches = new LinkedHashSet<>();
        for (String name : root.list(CPU_DIR)) {
            if (!name.matches("cpu[0-9]{1,5}")) {
                continue;
            }
            int id = Integer.parseInt(name.substring(3));
            if (id >= CpuSet.MAX_CPU || online.isPresent() && !online.get().contains(id)) {
                continue;
            }
            String dir = CPU_DIR + "/" + name;
            if (online.isEmpty() && !root.isDirectory(dir + "/topology")) {
                continue;
            }
            int socket = (int) clamp(root.readLong(dir + "/topology/physical_package_id"));
            int core = (int) clamp(root.readLong(dir + "/topology/core_id"));
            CpuSet siblings = root.readLine(dir + "/topology/thread_siblings_list")
                    .flatMap(CpuSet::tryParse).orElse(CpuSet.of(id));
            cpus.add(new Cpu(id, socket, core, siblings));
            for (String index : root.list(dir + "/cache")) {
                if (!index.startsWith("index")) {
                    continue;
                }
                String cache = dir + "/cache/" + index;
                OptionalLong level = root.readLong(cache + "/level");
                Optional<CpuSet> shared = root.readLine(cache + "/shared_cpu_list").flatMap(CpuSet::tryParse);
                if (level.isEmpty() || shared.isEmpty()) {
                    continue;
                }
                caches.add(new CacheGroup((int) level.getAsLong(), root.readLine(cache + "/type").orElse("Unified"),
                        root.readLine(cache + "/size").orElse(""), shared.get()));
            }
        }
        cpus.sort(Comparator.comparingInt(Cpu::id));
        return new CpuTopology(cpus, new ArrayList<>(caches));
    }

    /** The online CPUs as a set. */
    public CpuSet online() {
        return CpuSet.of(cpus.stream().mapToInt(Cpu::id).toArray());
    }

    /** The number of distinct sockets among the online CPUs (at least 1 when any CPU is known). */
    public int sockets() {
        return (int) cpus.stream().mapToInt(Cpu::socket).distinct().count();
    }

    /** True when some core runs more than one hardware thread. */
    public boolean smt() {
        return cpus.stream().anyMatch(cpu -> cpu.threadSiblings().size() > 1);
    }

    /** The SMT siblings of {@code cpu} (itself included); just {@code cpu} when unknown. */
    public CpuSet siblingsOf(int cpu) {
        return cpus.stream().filter(c -> c.id() == cpu).findFirst().map(Cpu::threadSiblings)
                .orElse(CpuSet.of(cpu));
    }

    /** The caches of the highest level (data or unified), one per group of sharing CPUs. */
    public List<CacheGroup> lastLevelCaches() {
        int top = caches.stream().filter(c -> !c.type().equals("Instruction")).mapToInt(CacheGroup::level)
                .max().orElse(0);
        List<CacheGroup> groups = new ArrayList<>();
        for (CacheGroup cache : caches) {
            if (cache.level() == top && !cache.type().equals("Instruction")
                    && groups.stream().noneMatch(g -> g.cpus().equals(cache.cpus()))) {
                groups.add(cache);
            }
        }
        return groups;
    }

    private static long clamp(OptionalLong value) {
        long v = value.orElse(-1);
        return v < Integer.MIN_VALUE || v > Integer.MAX_VALUE ? -1 : v;
    }
}
