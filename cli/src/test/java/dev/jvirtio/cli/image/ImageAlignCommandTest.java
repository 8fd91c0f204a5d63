package dev.jvirtio.cli.image;

import static dev.jvirtio.cli.CliRun.jvirtio;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.image.Sfdisk;
import dev.jvirtio.blk.storage.qcow2.QemuTools;
import dev.jvirtio.cli.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvirtio image align}: misaligned partitions found inside raw and qcow2 images (STO-ALIGN). */
class ImageAlignCommandTest {

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require("image command tests");
        Sfdisk.require("align command tests");
    }

    /** A 16 MiB raw image partitioned by sfdisk with {@code script}. */
    private Path partitioned(String name, String script) throws Exception {
        return Sfdisk.partitioned(dir.resolve(name), 16 << 20, script);
    }

    @Test
    void aSector63PartitionInsideQcow2IsReportedWithTheExplanation() throws Exception {
        Path raw = partitioned("old.raw", "label: dos\nstart=63, size=4000, type=83\nstart=8192, size=8192, type=83\n");
        Path qcow2 = dir.resolve("old.qcow2");
        QemuTools.img("convert", "-O", "qcow2", raw.toString(), qcow2.toString());
        for (Path image : new Path[] {raw, qcow2}) {
            CliRun run = jvirtio("image", "align", image.toString());
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
        CliRun run = jvirtio("image", "align", raw.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("GPT partition table").contains("\"data\"")
                .contains("Every partition starts on a 4 KiB boundary (and on 1 MiB).").doesNotContain("STO-ALIGN:");
    }

    @Test
    void aDiskWithoutPartitionsHasNothingToAlign() throws Exception {
        Path blank = dir.resolve("blank.qcow2");
        QemuTools.img("create", "-f", "qcow2", blank.toString(), "4M");
        CliRun run = jvirtio("image", "align", blank.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("no MBR or GPT partition table");
    }
}
