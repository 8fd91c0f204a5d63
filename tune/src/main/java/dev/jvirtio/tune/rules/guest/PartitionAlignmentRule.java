package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.image.ImageInfo;
import dev.jvirtio.tune.image.Partition;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** STO-ALIGN: partitions inside guest disk images start on 4 KiB boundaries. */
public final class PartitionAlignmentRule extends GuestRule {

    public PartitionAlignmentRule() {
        super("STO-ALIGN", "STO", "Guest partitions are aligned to 4 KiB", Severity.WARN,
                "every partition starting at a multiple of 4 KiB (8 sectors); modern tools use 1 MiB (sector 2048)",
                "Old partitioning tools started the first partition at sector 63, on a cylinder boundary; Linux"
                        + " caches in 4 KiB pages, so every guest page then straddles two host pages or blocks, and each"
                        + " guest write becomes a read-modify-write of two. This was the 2020 warning and is still the"
                        + " cost; fdisk and parted have aligned at 1 MiB by default for over a decade.",
                """
                STO-ALIGN: partition alignment

                The text: old partitioning tools start partitions on 512-byte cylinder boundaries (sector
                63); Linux caches in 4 KiB pages; inside an image file a guest partition that is not
                4 KiB aligned turns every guest page read into two host pages, and every write updates
                two.

                Today: the same arithmetic, with 4 KiB-sector disks (Advanced Format) and qcow2
                clusters making it worse. fdisk, sfdisk, parted and installers start at 1 MiB (sector
                2048) by default, so misalignment comes from old images and copied disks. The fix is to
                recreate the partition at an aligned start and copy the file system over (or move it
                with a tool that can, such as gparted); LVM and file systems created on the whole disk
                have no partition table and start at 0.

                The audit opens each disk image (raw, or qcow2 through its cluster tables; the backing
                file of a qcow2 overlay is not followed), reads its MBR (primary and logical partitions)
                or GPT with 512-byte sectors, and reports each partition that is not 4 KiB aligned.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<DiskImage> images = DiskImage.openAll(guest, context);
        List<String> misaligned = new ArrayList<>();
        List<String> aligned = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (DiskImage image : images) {
            if (!image.readable()) {
                unreadable.add(image.label() + ": " + image.error());
                continue;
            }
            ImageInfo info = image.info();
            if (info.partitionScheme().equals("unreadable")) {
                unreadable.add(image.label() + ": " + String.join("; ", info.notes()));
                continue;
            }
            if (info.partitions().isEmpty()) {
                aligned.add(image.label() + ": no partition table");
                continue;
            }
            for (Partition p : info.partitions()) {
                String where = image.label() + " partition " + p.index() + " (" + info.partitionScheme() + ") starts at"
                        + " sector " + p.startLba() + " (" + p.startBytes() + " bytes)";
                if (!p.alignedTo4K()) {
                    misaligned.add(where + ", not a multiple of 4096");
                } else {
                    aligned.add(where + (p.alignedTo1MiB() ? ", 1 MiB aligned" : ", 4 KiB aligned"));
                }
            }
        }
        String notRead = unreadable.isEmpty() ? "" : "; could not be read: " + String.join("; ", unreadable);
        if (misaligned.isEmpty() && aligned.isEmpty()) {
            return notApplicable(guest, unreadable.isEmpty() ? "the guest has no disks on local images or devices"
                    : "no disk image could be read: " + String.join("; ", unreadable));
        }
        if (misaligned.isEmpty()) {
            return pass(guest, String.join("; ", aligned) + notRead);
        }
        return fail(guest, String.join("; ", misaligned) + notRead,
                "Recreate the partition at sector 2048 and copy the file system over, e.g. for a new image:\n"
                        + "  echo 'start=2048, type=83' | sfdisk NEW.img && qemu-img convert ...; or move it with gparted."
                        + " Check with: sfdisk -l IMAGE (start sectors divisible by 8)");
    }
}
