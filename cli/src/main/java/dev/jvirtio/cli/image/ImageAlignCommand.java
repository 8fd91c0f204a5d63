package dev.jvirtio.cli.image;

import dev.jvirtio.blk.image.ImageFormat;
import dev.jvirtio.blk.image.Images;
import dev.jvirtio.blk.image.Partition;
import dev.jvirtio.blk.image.PartitionScheme;
import dev.jvirtio.blk.image.PartitionTable;
import dev.jvirtio.blk.image.PartitionTableException;
import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.cli.UserError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio image align FILE}: the partitions inside a raw or qcow2 image and whether each
 * starts on a 4 KiB and a 1 MiB boundary (STO-ALIGN). Exit code 0 when every partition is 4 KiB
 * aligned (or there are none), 1 when one is not.
 */
@Command(name = "align", mixinStandardHelpOptions = true,
        description = {"List the MBR or GPT partitions inside a raw or qcow2 image with their alignment (STO-ALIGN).",
                "Exit code 0 when every partition starts on a 4 KiB boundary, 1 when one does not."})
public final class ImageAlignCommand implements Callable<Integer> {

    static final long PAGE = 4096;
    static final long MIB = 1 << 20;

    /** STO-ALIGN, as docs/practices.md states it. */
    static final String EXPLANATION = """
            STO-ALIGN: old partitioning tools start partitions on 512-byte cylinder boundaries (sector 63).
            Linux caches in 4 KiB pages; inside an image file a guest partition that is not 4 KiB aligned
            turns every guest page read into two host pages, and every write updates two (read-modify-write).
            Modern tools (fdisk, sfdisk, parted, installers) align at 1 MiB (sector 2048). To fix it, create
            the partition again at an aligned start and copy its file system over.
            'jvirtio explain STO-ALIGN' has the whole story.""";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A raw or qcow2 image (or a block device).")
    Path file;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "auto|raw|qcow2",
            description = "The image format. Default: ${DEFAULT-VALUE} (detected).")
    String format;

    @Override
    public Integer call() {
        ImageFormat imageFormat;
        try {
            imageFormat = ImageFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        PartitionTable table;
        String formatName;
        try (Storage disk = Images.open(file, imageFormat, CacheMode.WRITEBACK, true)) {
            formatName = imageFormat == ImageFormat.AUTO ? Images.detect(file).formatName() : imageFormat.formatName();
            table = PartitionTable.read(disk);
        } catch (StorageException e) {
            throw new UserError(e.getMessage(), e);
        } catch (PartitionTableException e) {
            throw new UserError("the partition table of " + file + " cannot be read: " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (table.scheme() == PartitionScheme.NONE) {
            out.println(file + " (" + formatName + "): no MBR or GPT partition table, nothing to align");
            out.flush();
            return 0;
        }
        out.printf(Locale.ROOT, "%s (%s): %s partition table, %d-byte sectors%n", file, formatName, table.scheme(),
                table.sectorSize());
        out.printf(Locale.ROOT, "  %3s %14s %16s %10s  %-5s  %-5s  %s%n", "#", "start sector", "start byte", "size",
                "4 KiB", "1 MiB", "type");
        for (Partition p : table.partitions()) {
            out.printf(Locale.ROOT, "  %3d %14d %16d %10s  %-5s  %-5s  %s%n", p.number(), p.startSector(),
                    p.startBytes(), HumanSize.of(p.sizeBytes()), yesNo(p.alignedTo(PAGE)), yesNo(p.alignedTo(MIB)),
                    p.type() + (p.name().isEmpty() ? "" : " \"" + p.name() + "\""));
        }
        List<Partition> misaligned = table.misaligned(PAGE);
        out.println();
        if (misaligned.isEmpty()) {
            boolean allMib = table.misaligned(MIB).isEmpty();
            out.println(table.partitions().isEmpty() ? "The table has no partitions."
                    : "Every partition starts on a 4 KiB boundary" + (allMib ? " (and on 1 MiB)." : "; 1 MiB is what"
                            + " modern tools use, 4 KiB is what page-sized I/O needs."));
            out.flush();
            return 0;
        }
        for (Partition p : misaligned) {
            out.printf(Locale.ROOT, "Partition %d starts at byte %d (sector %d), not a multiple of 4096: each 4 KiB guest"
                    + " page in it spans two host pages.%n", p.number(), p.startBytes(), p.startSector());
        }
        out.println();
        out.println(EXPLANATION);
        out.flush();
        return 1;
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }
}
