package dev.jvirtio.cli.image;

import dev.jvirtio.blk.image.ConversionResult;
import dev.jvirtio.blk.image.ImageConverter;
import dev.jvirtio.blk.image.ImageFormat;
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

/** {@code jvirtio image convert SRC DST --to raw|qcow2}: a sparse copy into a new image. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Copy an image (with its backing chain, flattened) into a new image of the given format.",
                "Sparse: what reads as zeroes is not written, so it stays a hole (raw) or unallocated (qcow2)."})
public final class ImageConvertCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "The image to copy (raw or qcow2, detected).")
    Path source;

    @Parameters(index = "1", paramLabel = "DST", description = "The new image; it must not exist.")
    Path destination;

    @Option(names = "--to", required = true, paramLabel = "raw|qcow2", description = "The new image's format.")
    String to;

    @Option(names = "--cluster-size", defaultValue = "64k", paramLabel = "N",
            description = "qcow2 cluster size of the new image. Default: ${DEFAULT-VALUE}.")
    String clusterSize;

    @Override
    public Integer call() {
        ImageFormat format = ImageCreateCommand.parseFormat(to);
        Qcow2CreateOptions options;
        try {
            options = Qcow2CreateOptions.DEFAULTS.withClusterSize(
                    (int) Math.min(Integer.MAX_VALUE, SizeArgument.parse(clusterSize)));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        ConversionResult result;
        try {
            result = ImageConverter.convert(source, destination, format, options);
        } catch (StorageException e) {
            throw new UserError(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Converted " + source + " to " + destination + " (" + format + "): a "
                + HumanSize.of(result.virtualSize()) + " disk, " + HumanSize.of(result.bytesWritten()) + " written, "
                + HumanSize.of(result.bytesSkipped()) + " left out as zeroes");
        out.flush();
        return 0;
    }
}
