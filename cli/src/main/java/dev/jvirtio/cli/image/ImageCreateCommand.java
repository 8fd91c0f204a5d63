package dev.jvirtio.cli.image;

import dev.jvirtio.blk.image.ImageFormat;
import dev.jvirtio.blk.image.Images;
import dev.jvirtio.blk.storage.Preallocation;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.qcow2.Qcow2CreateOptions;
import dev.jvirtio.cli.SizeArgument;
import dev.jvirtio.cli.UserError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jvirtio image create FILE [SIZE]}: a new raw or qcow2 image (STO-IMAGE). */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a new disk image. Never overwrites an existing file.",
                "With --backing the new qcow2 image is an overlay: it reads as the backing file until written, and"
                        + " takes its size unless SIZE is given."})
public final class ImageCreateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The image file to create.")
    Path file;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE",
            description = "Virtual size, such as 10G or 512M (powers of 1024).")
    String size;

    @Option(names = "--format", defaultValue = "qcow2", paramLabel = "raw|qcow2",
            description = "Image format. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--cluster-size", defaultValue = "64k", paramLabel = "N",
            description = "qcow2 cluster size, a power of two from 512 to 2M. Default: ${DEFAULT-VALUE}.")
    String clusterSize;

    @Option(names = "--preallocation", defaultValue = "off", paramLabel = "MODE",
            description = {"off (sparse), metadata (qcow2: map every cluster), falloc (reserve the space),",
                "full (write zeroes). Default: ${DEFAULT-VALUE}."})
    String preallocation;

    @Option(names = "--backing", paramLabel = "FILE",
            description = "qcow2 only: the backing file, stored as given (a relative name is relative to FILE's directory).")
    String backing;

    @Option(names = "--backing-format", paramLabel = "raw|qcow2",
            description = "The backing file's format. Default: detected.")
    String backingFormat;

    @Override
    public Integer call() {
        ImageFormat imageFormat = parseFormat(format);
        Preallocation mode;
        Qcow2CreateOptions options;
        try {
            mode = Preallocation.parse(preallocation);
            int cluster = (int) Math.min(Integer.MAX_VALUE, SizeArgument.parse(clusterSize));
            options = Qcow2CreateOptions.DEFAULTS.withClusterSize(cluster).withPreallocation(mode)
                    .withBacking(backing, backingFormat == null ? null : parseFormat(backingFormat).formatName());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (imageFormat == ImageFormat.RAW && spec.commandLine().getParseResult().hasMatchedOption("--cluster-size")) {
            throw new UserError("raw images have no clusters; --cluster-size is for qcow2");
        }
        long bytes = size == null ? -1 : SizeArgument.parse(size);
        if (bytes < 0 && backing == null) {
            throw new UserError("give the size of " + file + " (such as 10G) or a --backing file to take it from");
        }
        try {
            Images.create(file, imageFormat, bytes, options);
        } catch (StorageException e) {
            throw new UserError(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        var info = Images.info(file);
        StringBuilder line = new StringBuilder("Formatting '").append(file).append("', fmt=").append(imageFormat);
        if (imageFormat == ImageFormat.QCOW2) {
            line.append(" cluster_size=").append(options.clusterSize());
        }
        line.append(" preallocation=").append(mode).append(" size=").append(info.virtualSize());
        if (info.backingFilename() != null) {
            line.append(" backing_file=").append(info.backingFilename()).append(" backing_fmt=")
                    .append(info.backingFormat());
        }
        out.println(line);
        out.flush();
        return 0;
    }

    static ImageFormat parseFormat(String name) {
        try {
            ImageFormat parsed = ImageFormat.parse(name);
            if (parsed == ImageFormat.AUTO) {
                throw new UserError("choose an image format: raw or qcow2");
            }
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
