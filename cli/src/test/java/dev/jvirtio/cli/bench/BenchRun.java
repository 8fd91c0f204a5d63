package dev.jvirtio.cli.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import picocli.CommandLine;

/** Runs {@code jvirtio bench ...} in this JVM and keeps what it printed. */
record BenchRun(int exitCode, String out, String err) {

    static BenchRun of(String... args) {
        CommandLine cl = new CommandLine(new BenchCommand());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        int code = cl.execute(args);
        return new BenchRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Fails under CI, and skips loudly elsewhere, when qemu-storage-daemon is not installed. */
    static void requireQsd() {
        if (Files.isExecutable(BackendProcess.QSD)) {
            return;
        }
        String why = BackendProcess.QSD + " is missing: install the Debian package qemu-system-common (scripts/setup does)";
        if (System.getenv("CI") != null) {
            Assertions.fail(why);
        }
        System.err.println("SKIPPED bench test: " + why);
        Assumptions.abort(why);
    }

    /** A sparse raw image of {@code bytes}. */
    static Path image(Path dir, long bytes) throws Exception {
        Path image = dir.resolve("disk.img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return image;
    }
}
