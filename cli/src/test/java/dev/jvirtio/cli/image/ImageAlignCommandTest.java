package dev.jvirtio.cli.image;

import static dev.jvirtio.cli.image.ImageCli.jvirtio;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvirtio image align}: misaligned partitions found inside raw and qcow2 images (STO-ALIGN). */
class ImageAlignCommandTest {

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        ImageCli.requireQemuImg();
        if (!Files.isExecutable(Path.of("/usr/sbin/sfdisk")) && !Files.isExecutable(Path.of("/sbin/sfdisk"))) {
            String why = "sfdisk is not installed: install the Debian package fdisk to run the align command tests";
            if (System.getenv("CI") != null) {
                Assertions.fail(why);
            }
            System.err.println("SKIPPED: " + why);
            Assumptions.abort(why);
        }
    }

    private Path partitioned(String name, String script) throws Exception {
        Path image = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        Process sfdisk = new ProcessBuilder("sfdisk", "-q", image.toString()).redirectErrorStream(true).start();
        sfdisk.getOutputStream().write(script.getBytes(StandardCharsets.US_ASCII));
        sfdisk.getOutputStream().close();
        String out = new String(sfdisk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sfdisk.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(sfdisk.exitValue()).as(out).isZero();
        return image;
    }

    @Test
    void aSector63PartitionInsideQcow2IsReportedWithTheExplanation() throws Exception {
        Path raw = partitioned("old.raw", "label: dos\nstart=63, size=4000, type=83\nstart=8192, size=8192, type=83\n");
        Path qcow2 = dir.resolve("old.qcow2");
        ImageCli.qemuImg("convert", "-O", "qcow2", raw.toString(), qcow2.toString());
        for (Path image : new Path[] {raw, qcow2}) {
            ImageCli.Run run = jvirtio("image", "align", image.toString());
            assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
            assertThat(run.out()).contains("MBR partition table, 512-byte sectors")
                    .containsPattern("1\\s+63\\s+32256\\s+\\S+ \\S+\\s+no\\s+no")
                    .containsPattern("2\\s+8192\\s+4194304\\s+4 MiB\\s+yes\\s+yes")
                    .contains("Partition 1 starts at byte 32256").contains("STO-ALIGN");
        }
    }

    @Test
    void aModernGptIsAlignedAndExitsZero() throws Exception {
        Path raw = partitioned("new.raw", "label: gpt\nstart=2048, size=8192, type=linux, name=\"data\"\n");
        ImageCli.Run run = jvirtio("image", "align", raw.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("GPT partition table").contains("\"data\"")
                .contains("Every partition starts on a 4 KiB boundary (and on 1 MiB).").doesNotContain("STO-ALIGN:");
    }

    @Test
    void aDiskWithoutPartitionsHasNothingToAlign() throws Exception {
        Path blank = dir.resolve("blank.qcow2");
        ImageCli.qemuImg("create", "-f", "qcow2", blank.toString(), "4M");
        ImageCli.Run run = jvirtio("image", "align", blank.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("no MBR or GPT partition table");
    }
}
