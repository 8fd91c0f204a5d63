package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * A pool of persistent huge pages of one size ({@code hugepages-2048kB/nr_hugepages}).
 *
 * @param sizeKiB the page size in KiB (2048, 1048576)
 * @param total   pages reserved in the pool
 * @param free    pages not in use
 */
public record HugePagePool(long sizeKiB, long total, long free) {

    /** Pool bytes in KiB. */
    public long totalKiB() {
        return Math.multiplyHigh(sizeKiB, total) != 0 ? Long.MAX_VALUE : sizeKiB * total;
    }

    /**
     * Reads the pools under {@code dir} ({@code /sys/kernel/mm/hugepages} or a NUMA node's
     * {@code hugepages}), smallest page size first.
     */
    static List<HugePagePool> readAll(FactRoot root, String dir) {
        List<HugePagePool> pools = new ArrayList<>();
        for (String name : root.list(dir)) {
            if (!name.matches("hugepages-[0-9]{1,12}kB")) {
                continue;
            }
            long size = Long.parseLong(name.substring("hugepages-".length(), name.length() - 2));
            OptionalLong total = root.readLong(dir + "/" + name + "/nr_hugepages");
            OptionalLong free = root.readLong(dir + "/" + name + "/free_hugepages");
            if (total.isPresent()) {
                pools.add(new HugePagePool(size, Math.max(0, total.getAsLong()), Math.max(0, free.orElse(0))));
            }
        }
        pools.sort(Comparator.comparingLong(HugePagePool::sizeKiB));
        return pools;
    }
}
