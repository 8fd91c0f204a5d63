package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One NUMA node from {@code /sys/devices/system/node/nodeN}.
 *
 * @param id          the node number
 * @param cpus        {@code cpulist} (empty for a memory-only node)
 * @param memTotalKiB {@code MemTotal} from the node's {@code meminfo}, empty when unreadable
 * @param memFreeKiB  {@code MemFree}, empty when unreadable
 * @param hugepages   the node's huge page pools
 */
public record NumaNode(int id, CpuSet cpus, OptionalLong memTotalKiB, OptionalLong memFreeKiB,
                       List<HugePagePool> hugepages) {

    private static final String NODE_DIR = "/sys/devices/system/node";

    public NumaNode {
        Objects.requireNonNull(cpus, "cpus");
        hugepages = List.copyOf(hugepages);
    }

    /** The pool of {@code sizeKiB} pages on this node, if the kernel has one. */
    public Optional<HugePagePool> pool(long sizeKiB) {
        return hugepages.stream().filter(p -> p.sizeKiB() == sizeKiB).findFirst();
    }

    /** Reads every node, in ascending order; empty when the kernel has no NUMA support. */
    static List<NumaNode> readAll(FactRoot root) {
        List<NumaNode> nodes = new ArrayList<>();
        for (String name : root.list(NODE_DIR)) {
            if (!name.matches("node[0-9]{1,4}")) {
                continue;
            }
            String dir = NODE_DIR + "/" + name;
            CpuSet cpus = root.readLine(dir + "/cpulist").map(text -> CpuSet.tryParse(text).orElseGet(() -> {
                root.problem(dir + "/cpulist: not a CPU list: '" + text + "'");
                return CpuSet.empty();
            })).orElse(CpuSet.empty());
            String meminfo = root.read(dir + "/meminfo").orElse("");
            nodes.add(new NumaNode(Integer.parseInt(name.substring(4)), cpus,
                    MemoryInfo.field(meminfo, "MemTotal"), MemoryInfo.field(meminfo, "MemFree"),
                    HugePagePool.readAll(root, dir + "/hugepages")));
        }
        nodes.sort(Comparator.comparingInt(NumaNode::id));
        return nodes;
    }
}
