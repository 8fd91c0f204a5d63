package dev.jvirtio.tune.guest;

import java.util.Objects;

/**
 * One disk of a guest as its configuration declares it. Strings are never null; "" means the
 * configuration said nothing and the hypervisor's default applies.
 *
 * @param target     the target name from the configuration ({@code vda}, {@code sdb}) or one derived
 *                   from the bus and order for QEMU command lines
 * @param bus        {@code virtio}, {@code scsi}, {@code ide}, {@code sata}, {@code usb},
 *                   {@code vhost-user}, {@code nvme} or {@code sd}/{@code fdc} for rarer buses
 * @param format     {@code raw}, {@code qcow2}, another driver name, or {@code unknown}
 * @param cache      {@code none}, {@code writeback}, {@code writethrough}, {@code directsync},
 *                   {@code unsafe}, or "" for the default (writeback)
 * @param io         {@code native}, {@code threads}, {@code io_uring}, or "" for the default
 * @param iothread   the IOThread id serving the disk, "" if none
 * @param sourceType {@code file}, {@code block}, {@code network}, {@code vhostuser} or
 *                   {@code unknown}
 * @param path       the image path, device path, socket path or network name ("" when unknown)
 * @param device     {@code disk}, {@code cdrom}, {@code floppy} or {@code lun}
 * @param queues     the configured number of request queues, 0 when not set (QEMU 5.2 and later
 *                   then give virtio-blk-pci one queue per vCPU)
 */
public record Disk(String target, String bus, String format, String cache, String io, String iothread,
                   String sourceType, String path, String device, int queues) {

    public Disk {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(iothread, "iothread");
        Objects.requireNonNull(sourceType, "sourceType");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(device, "device");
        if (queues < 0) {
            throw new IllegalArgumentException("queues=" + queues);
        }
    }

    /** A hard disk ({@code device = "disk"}) with the queue count left to the hypervisor. */
    public Disk(String target, String bus, String format, String cache, String io, String iothread,
                String sourceType, String path) {
        this(target, bus, format, cache, io, iothread, sourceType, path, "disk", 0);
    }

    /** True for a CD-ROM or floppy drive, which holds install or config media rather than data. */
    public boolean removable() {
        return device.equals("cdrom") || device.equals("floppy");
    }
}
