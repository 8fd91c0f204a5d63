package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One block device from {@code /sys/block}.
 *
 * @param name       the kernel name ({@code vda}, {@code sda}, {@code nvme0n1})
 * @param scheduler  the I/O scheduler in use; empty when the queue has no scheduler file
 * @param schedulers the schedulers offered
 * @param rotational {@code queue/rotational}: 1 for spinning disks
 * @param nrRequests {@code queue/nr_requests}
 * @param driver     the driver bound to {@code device} ({@code virtio_blk}, {@code sd},
 *                   {@code nvme}), "" when there is none
 * @param sysfsPath  where {@code /sys/block/NAME} points ({@code ../devices/pci0000:00/.../block/vda}),
 *                   "" when unknown
 */
public record BlockDevice(String name, Optional<String> scheduler, List<String> schedulers,
                          OptionalLong rotational, OptionalLong nrRequests, String driver, String sysfsPath) {

    public BlockDevice {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(sysfsPath, "sysfsPath");
        schedulers = List.copyOf(schedulers);
    }

    /**
     * What carries the device: {@code virtio_blk}, {@code virtio_scsi}, {@code ata} (emulated or
     * real IDE/SATA/AHCI), {@code nvme}, {@code usb}, {@code scsi}, {@code virtual} (loop, zram,
     * device-mapper, md, ram) or {@code unknown}.
     */
    public String transport() {
        if (driver.equals("virtio_blk") || name.startsWith("vd") && sysfsPath.contains("/virtio")) {
            return "virtio_blk";
        }
        if (sysfsPath.contains("/devices/virtual/") || name.matches("(loop|ram|zram|dm-|md|nbd)\\d*.*")) {
            return "virtual";
        }
        if (driver.equals("nvme") || name.startsWith("nvme") || sysfsPath.contains("/nvme/")) {
            return "nvme";
        }
        if (sysfsPath.contains("/usb")) {
            return "usb";
        }
        if (sysfsPath.matches(".*/virtio\\d+/host\\d+/.*")) {
            return "virtio_scsi";
        }
        if (sysfsPath.matches(".*/ata\\d+/.*")) {
            return "ata";
        }
        if (driver.equals("sd") || sysfsPath.contains("/host")) {
            return "scsi";
        }
        return "unknown";
    }

    /** True for disks of a virtio device (virtio-blk or virtio-scsi). */
    public boolean virtio() {
        String transport = transport();
        return transport.equals("virtio_blk") || transport.equals("virtio_scsi");
    }

    static List<BlockDevice> readAll(FactRoot root) {
        List<BlockDevice> devices = new ArrayList<>();
        for (String name : root.list("/sys/block")) {
            String dir = "/sys/block/" + name;
            Optional<SysfsChoice> scheduler = SysfsChoice.read(root, dir + "/queue/scheduler");
            devices.add(new BlockDevice(name, scheduler.map(SysfsChoice::selected),
                    scheduler.map(SysfsChoice::choices).orElse(List.of()),
                    root.readLong(dir + "/queue/rotational"), root.readLong(dir + "/queue/nr_requests"),
                    root.readLinkName(dir + "/device/driver").orElse(""), root.readLink(dir).orElse("")));
        }
        return devices;
    }
}
