package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.image.ImageInfo;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** STO-IMAGE: image files that occupy less than their virtual size, and how to preallocate them. */
public final class SparseImageRule extends GuestRule {

    public SparseImageRule() {
        super("STO-IMAGE", "STO", "Image files are preallocated", Severity.INFO,
                "image files allocated to their full virtual size (preallocation=falloc or full)",
                "A sparse image allocates host blocks when the guest first writes them, so first writes cost a"
                        + " file-system allocation and the image fragments; the host can also run out of space under"
                        + " a guest that believes its disk has room. The 2020 text only says images need sparse-file"
                        + " care; today qemu-img creates them preallocated (preallocation=falloc or full).",
                """
                STO-IMAGE: image files

                The text: image files are easy to manage and move, but need a host file system and
                care with sparse files.

                Today: preallocate. qemu-img create -o preallocation=falloc reserves the blocks with
                fallocate (fast, no writes); preallocation=full writes zeroes; for qcow2,
                preallocation=metadata lays out the cluster tables so only data blocks are allocated
                later. An existing sparse raw image can be filled with fallocate -l SIZE IMAGE (or
                copied with qemu-img convert -o preallocation=falloc). Sparse images are a deliberate
                choice when overcommitting storage: then watch the host's free space.

                The audit opens each image file (under the audited root first) and compares the
                blocks it occupies with its virtual size.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<DiskImage> images = DiskImage.openAll(guest, context);
        List<String> sparse = new ArrayList<>();
        List<String> full = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (DiskImage image : images) {
            if (image.disk().sourceType().equals("block")) {
                continue;
            }
            if (!image.readable()) {
                unreadable.add(image.label() + ": " + image.error());
                continue;
            }
            ImageInfo info = image.info();
            String sizes = image.label() + " (" + info.format() + ", " + image.path() + ") occupies "
                    + mib(info.actualSize()) + " of " + mib(info.virtualSize());
            (info.sparse() ? sparse : full).add(sizes);
        }
        String notRead = unreadable.isEmpty() ? "" : "; could not be read: " + String.join("; ", unreadable);
        if (sparse.isEmpty() && full.isEmpty()) {
            return notApplicable(guest, unreadable.isEmpty() ? "the guest has no image-file disks"
                    : "no image could be read: " + String.join("; ", unreadable));
        }
        if (sparse.isEmpty()) {
            return pass(guest, String.join("; ", full) + notRead);
        }
        return fail(guest, "sparse: " + String.join("; ", sparse) + notRead,
                "fallocate -l SIZE IMAGE  (raw, in place), or qemu-img convert -O raw -o preallocation=falloc"
                        + " OLD NEW; new images: qemu-img create -f raw -o preallocation=falloc IMAGE SIZE"
                        + " (qcow2: -o preallocation=metadata)");
    }

    static String mib(long bytes) {
        if (bytes < 0) {
            return "an unknown size";
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
