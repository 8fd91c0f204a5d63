package dev.jvirtio.cli.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jvirtio.blk.image.ImageInfo;
import dev.jvirtio.blk.image.Images;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.qcow2.Qcow2Header;
import dev.jvirtio.cli.UserError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio image info [--json] FILE}: format, sizes, cluster size and backing file, with
 * {@code qemu-img info}'s field names in JSON.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Describe an image: format, virtual size, space used on the host, cluster size, backing file.",
                "--json uses qemu-img info's field names (virtual-size, actual-size, cluster-size, backing-filename...)."})
public final class ImageInfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The image file.")
    Path file;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        ImageInfo info;
        try {
            info = Images.info(file);
        } catch (StorageException e) {
            throw new UserError(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(asJson(info)));
        } else {
            printText(out, info);
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> asJson(ImageInfo info) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("virtual-size", info.virtualSize());
        json.put("filename", info.filename().toString());
        if (info.clusterSize() > 0) {
            json.put("cluster-size", info.clusterSize());
        }
        json.put("format", info.format().formatName());
        json.put("actual-size", info.actualSize());
        Qcow2Header h = info.qcow2();
        if (h != null) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("compat", h.compat());
            data.put("compression-type", h.compressionType() == 0 ? "zlib" : "zstd");
            data.put("lazy-refcounts", h.lazyRefcounts());
            data.put("refcount-bits", h.refcountBits());
            data.put("corrupt", h.corrupt());
            data.put("extended-l2", h.extendedL2());
            json.put("format-specific", Map.of("type", "qcow2", "data", data));
        }
        if (info.backingFilename() != null) {
            json.put("full-backing-filename", info.fullBackingFilename().toString());
            json.put("backing-filename", info.backingFilename());
            if (info.backingFormat() != null) {
                json.put("backing-filename-format", info.backingFormat());
            }
        }
        if (h != null) {
            json.put("dirty-flag", h.dirty());
        }
        return json;
    }

    private static void printText(PrintWriter out, ImageInfo info) {
        out.println("image: " + info.filename());
        out.println("file format: " + info.format());
        out.println("virtual size: " + HumanSize.of(info.virtualSize()) + " (" + info.virtualSize() + " bytes)");
        out.println("disk size: " + HumanSize.of(info.actualSize()));
        if (info.clusterSize() > 0) {
            out.println("cluster_size: " + info.clusterSize());
        }
        if (info.backingFilename() != null) {
            out.println("backing file: " + info.backingFilename() + " (actual path: " + info.fullBackingFilename() + ")");
            if (info.backingFormat() != null) {
                out.println("backing file format: " + info.backingFormat());
            }
        }
        Qcow2Header h = info.qcow2();
        if (h != null) {
            out.println("Format specific information:");
            out.println("    compat: " + h.compat());
            out.println("    compression type: " + (h.compressionType() == 0 ? "zlib" : "zstd"));
            out.println("    lazy refcounts: " + h.lazyRefcounts());
            out.println("    refcount bits: " + h.refcountBits());
            out.println("    corrupt: " + h.corrupt());
            out.println("    extended l2: " + h.extendedL2());
            if (h.dirty()) {
                out.println("    dirty: true (not closed cleanly; 'jvirtio image check' reports what is off)");
            }
            if (h.snapshotCount() > 0) {
                out.println("    internal snapshots: " + h.snapshotCount());
            }
        }
    }
}
