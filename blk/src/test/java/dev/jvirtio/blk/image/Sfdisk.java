package dev.jvirtio.blk.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * util-linux's {@code sfdisk} (Debian package fdisk) as the independent peer that writes partition
 * tables into raw images. A test that needs it fails under CI when it is missing, and is skipped
 * with a message on standard error elsewhere.
 */
public final class Sfdisk {

    private Sfdisk() {
    }

    /** Makes sure sfdisk is installed; {@code tests} names the tests that need it, for the message. */
    public static void require(String tests) {
        if (!Files.isExecutable(Path.of("/usr/sbin/sfdisk")) && !Files.isExecutable(Path.of("/sbin/sfdisk"))) {
            String why = "sfdisk is not installed: install the Debian package fdisk to run the " + tests;
            if (System.getenv("CI") != null) {
                Assertions.fail(why);
            }
            System.err.println("SKIPPED: " + why);
            Assumptions.abort(why);
        }
    }

    /** Makes {@code image} a raw image of {@code bytes}, partitioned by sfdisk with {@code script}. */
    public static Path partitioned(Path image, long bytes, String script) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(bytes);
        }
        Process sfdisk = new ProcessBuilder("sfdisk", "-q", image.toString()).redirectErrorStream(true).start();
        sfdisk.getOutputStream().write(script.getBytes(StandardCharsets.US_ASCII));
        sfdisk.getOutputStream().close();
        String out = new String(sfdisk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sfdisk.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(sfdisk.exitValue()).as("sfdisk: %s", out).isZero();
        return image;
    }
}
