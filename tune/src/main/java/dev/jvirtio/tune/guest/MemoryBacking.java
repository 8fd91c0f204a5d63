package dev.jvirtio.tune.guest;

import java.util.Objects;

/**
 * How a guest's RAM is backed on the host.
 *
 * @param hugepages       true when the RAM comes from hugetlbfs pages
 * @param hugepageSizeKiB the huge page size in KiB, or 0 for the host's default huge page size
 *                        (or when {@code hugepages} is false)
 * @param hugepageNodeset the host NUMA nodes the huge pages come from ("" when not restricted)
 * @param source          {@code "anonymous"}, {@code "file"} or {@code "memfd"}
 * @param shared          true when the memory is mapped shared (needed by vhost-user back-ends)
 * @param locked          true when the memory is locked (mlock, {@code <locked/>})
 */
public record MemoryBacking(boolean hugepages, long hugepageSizeKiB, String hugepageNodeset,
                            String source, boolean shared, boolean locked) {

    /** Plain anonymous, private, unlocked memory: what a guest gets when nothing is said. */
    public static final MemoryBacking DEFAULT = new MemoryBacking(false, 0, "", "anonymous", false, false);

    public MemoryBacking {
        Objects.requireNonNull(hugepageNodeset, "hugepageNodeset");
        Objects.requireNonNull(source, "source");
        if (hugepageSizeKiB < 0) {
            throw new IllegalArgumentException("hugepageSizeKiB=" + hugepageSizeKiB);
        }
    }
}
