package dev.jvirtio.cli.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jvirtio.blk.image.ImageFormat;
import dev.jvirtio.blk.image.Images;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.qcow2.Qcow2Check;
import dev.jvirtio.blk.storage.qcow2.Qcow2CheckResult;
import dev.jvirtio.cli.UserError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio image check FILE}: the qcow2 metadata's consistency, read-only, with
 * {@code qemu-img check}'s exit codes: 0 clean, 1 the check could not complete, 2 corruptions,
 * 3 leaked clusters only, 63 the format has nothing to check (raw).
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check a qcow2 image's metadata for corruptions and leaked clusters, changing nothing.",
                "Exit codes as qemu-img check: 0 clean, 1 the check could not complete, 2 corruptions found,",
                "3 leaked clusters only (wasted space, no harm to data), 63 raw images (nothing to check)."})
public final class ImageCheckCommand implements Callable<Integer> {

    /** qemu-img check's exit code for formats without metadata. */
    static final int EXIT_NOT_SUPPORTED = 63;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The image file.")
    Path file;

    @Option(names = "--json", description = "Machine-readable output, with qemu-img check's field names.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImageFormat format;
        try {
            format = Images.detect(file);
        } catch (StorageException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (format == ImageFormat.RAW) {
            err.println("jvirtio: " + file + " is a raw image, which has no metadata to check");
            err.flush();
            return EXIT_NOT_SUPPORTED;
        }
        Qcow2CheckResult result = Qcow2Check.check(file);
        if (!result.complete()) {
            err.println("jvirtio: the check of " + file + " could not complete: " + result.failure());
            err.flush();
            return result.exitCode();
        }
        if (json) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("image-end-offset", result.imageEndOffset());
            fields.put("total-clusters", result.guestClusters());
            fields.put("check-errors", 0);
            // As qemu-img, the counts that are zero are left out.
            putIfPositive(fields, "leaks", result.leaks());
            putIfPositive(fields, "corruptions", result.corruptions());
            fields.put("allocated-clusters", result.allocatedClusters());
            fields.put("filename", file.toString());
            fields.put("format", "qcow2");
            putIfPositive(fields, "fragmented-clusters", result.fragmentedClusters());
            putIfPositive(fields, "compressed-clusters", result.compressedClusters());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(fields));
        } else {
            result.problems().forEach(out::println);
            if (result.problems().size() < result.leaks() + result.corruptions()) {
                out.println("(" + (result.leaks() + result.corruptions() - result.problems().size())
                        + " more findings not listed)");
            }
            if (result.corruptions() > 0) {
                out.println();
                out.println(result.corruptions() + " errors were found on the image.");
                out.println("Data may be corrupted, or further writes to the image may corrupt it.");
            }
            if (result.leaks() > 0) {
                out.println();
                out.println(result.leaks() + " leaked clusters were found on the image.");
                out.println("This means waste of disk space, but no harm to data.");
            }
            if (result.corruptions() == 0 && result.leaks() == 0) {
                out.println("No errors were found on the image.");
            }
            long total = Math.max(1, result.guestClusters());
            long allocated = Math.max(1, result.allocatedClusters());
            out.printf(Locale.ROOT, "%d/%d = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters%n",
                    result.allocatedClusters(), result.guestClusters(), 100.0 * result.allocatedClusters() / total,
                    100.0 * result.fragmentedClusters() / allocated, 100.0 * result.compressedClusters() / allocated);
            out.println("Image end offset: " + result.imageEndOffset());
        }
        out.flush();
        return result.exitCode();
    }

    private static void putIfPositive(Map<String, Object> fields, String name, long value) {
        if (value > 0) {
            fields.put(name, value);
        }
    }
}
