package dev.jvirtio.cli.bench;

import dev.jvirtio.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Runs {@code jvirtio bench ...} in this JVM, and makes what those runs need. */
final class BenchRun {

    private BenchRun() {
    }

    /** Runs {@code jvirtio bench ARGS} and keeps what it printed. */
    static CliRun of(String... args) {
        return CliRun.run(new BenchCommand(), args);
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
