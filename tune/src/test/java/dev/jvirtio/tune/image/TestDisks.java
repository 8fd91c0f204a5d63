package dev.jvirtio.tune.image;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Makes real disk images with qemu-img and sfdisk (Debian packages qemu-utils and fdisk), and reads
 * back what those tools say about them.
 */
public final class TestDisks {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestDisks() {
    }

    /** Fails (in CI) or skips loudly (elsewhere) when qemu-img or sfdisk is missing. */
    public static void requireTools() {
        List<String> missing = new ArrayList<>();
        if (!onPath("qemu-img")) {
            missing.add("qemu-img (apt-get install qemu-utils)");
        }
        if (!onPath("sfdisk")) {
            missing.add("sfdisk (apt-get install fdisk)");
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "image tests need " + String.join(" and ", missing);
        if (System.getenv("CI") != null) {
            fail(message);
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static String sfdisk() {
        for (String p : List.of("/usr/sbin/sfdisk", "/sbin/sfdisk")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "sfdisk";
    }

    /** A raw image of {@code mib} MiB partitioned by the sfdisk script (null: unpartitioned). */
    public static Path raw(Path dir, String name, int mib, String sfdiskScript) throws IOException {
        Path image = dir.resolve(name);
        run(null, "qemu-img", "create", "-q", "-f", "raw", image.toString(), mib + "M");
        if (sfdiskScript != null) {
            run(sfdiskScript, sfdisk(), "-q", "--no-reread", "--no-tell-kernel", image.toString());
        }
        return image;
    }

    /** {@code source} converted by qemu-img to {@code format} with extra options (e.g. "-c"). */
    public static Path convert(Path source, String name, String format, String... options) throws IOException {
        Path out = source.resolveSibling(name);
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "convert", "-O", format));
        cmd.addAll(List.of(options));
        cmd.add(source.toString());
        cmd.add(out.toString());
        run(null, cmd.toArray(String[]::new));
        return out;
    }

    /** Runs qemu-img with the given arguments. */
    public static void qemuImg(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        run(null, cmd.toArray(String[]::new));
    }

    /** What {@code qemu-img info --output=json} says about an image. */
    public static JsonNode info(Path image) throws IOException {
        return JSON.readTree(run(null, "qemu-img", "info", "--output=json", image.toString()));
    }

    /** The partition start sectors sfdisk reads from a raw image, in table order. */
    public static List<Long> sfdiskStarts(Path rawImage) throws IOException {
        JsonNode t = JSON.readTree(run(null, sfdisk(), "--json", rawImage.toString())).get("partitiontable");
        List<Long> starts = new ArrayList<>();
        t.get("partitions").forEach(p -> {
            int type = p.has("type") ? parseType(p.get("type").asText()) : 0;
            if (type != 0x05 && type != 0x0f && type != 0x85) {
                starts.add(p.get("start").asLong());
            }
        });
        return starts;
    }

    private static int parseType(String t) {
        try {
            return Integer.parseInt(t, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String run(String stdin, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed with " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
