package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.image.ImageException;
import dev.jvirtio.tune.image.ImageInfo;
import dev.jvirtio.tune.image.ImageInspector;
import dev.jvirtio.tune.rule.AuditContext;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest disk's image opened for inspection, or the sentence saying why it could not be.
 *
 * @param disk   the disk
 * @param label  how evidence names the disk
 * @param path   the path that was opened (under the audited root when the image is there)
 * @param info   what the image holds, null when {@code error} is set
 * @param error  why it could not be inspected, "" when {@code info} is set
 */
record DiskImage(Disk disk, String label, Path path, ImageInfo info, String error) {

    boolean readable() {
        return info != null;
    }

    /**
     * Opens the image of every data disk (not CD-ROM or floppy) backed by a local file or block
     * device. An image is looked for under the audited root first, then at its own path.
     */
    static List<DiskImage> openAll(Guest guest, AuditContext context) {
        List<DiskImage> out = new ArrayList<>();
        List<Disk> disks = guest.disks();
        for (int i = 0; i < disks.size(); i++) {
            Disk d = disks.get(i);
            if (d.removable() || d.path().isEmpty()
                    || !(d.sourceType().equals("file") || d.sourceType().equals("block"))) {
                continue;
            }
            out.add(open(d, GuestRule.label(d, i), context));
        }
        return out;
    }

    private static DiskImage open(Disk d, String label, AuditContext context) {
        Path path;
        try {
            path = resolve(d.path(), context.host().root());
        } catch (InvalidPathException e) {
            return new DiskImage(d, label, null, null, "image path " + d.path() + " is not a valid path");
        }
        try {
            return new DiskImage(d, label, path, ImageInspector.inspect(path), "");
        } catch (ImageException e) {
            return new DiskImage(d, label, path, null, e.getMessage());
        }
    }

    private static Path resolve(String image, String root) {
        Path direct = Path.of(image);
        if (root.isEmpty() || root.equals("/")) {
            return direct;
        }
        Path under = Path.of(root, image);
        return Files.exists(under) ? under : direct;
    }
}
