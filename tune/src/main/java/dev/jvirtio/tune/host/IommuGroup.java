package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One IOMMU group from {@code /sys/kernel/iommu_groups}: the devices that can only be assigned
 * to a guest together.
 *
 * @param id      the group number
 * @param devices the PCI addresses in the group ({@code 0000:03:00.0})
 */
public record IommuGroup(String id, List<String> devices) {

    public IommuGroup {
        Objects.requireNonNull(id, "id");
        devices = List.copyOf(devices);
    }

    static List<IommuGroup> readAll(FactRoot root) {
        List<IommuGroup> groups = new ArrayList<>();
        for (String id : root.list("/sys/kernel/iommu_groups")) {
            groups.add(new IommuGroup(id, root.listNames("/sys/kernel/iommu_groups/" + id + "/devices")));
        }
        groups.sort((a, b) -> a.id().length() != b.id().length() ? a.id().length() - b.id().length()
                : a.id().compareTo(b.id()));
        return groups;
    }
}
