package dev.jvirtio.cli.image;

import static dev.jvirtio.cli.CliRun.jvirtio;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.blk.storage.qcow2.QemuTools;
import dev.jvirtio.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code jvirtio image create}: images that qemu-img finds well-formed, and clear refusals. */
class ImageCreateCommandTest {

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require("image command tests");
    }

    private static JsonNode qemuInfo(Path image) throws Exception {
        return new ObjectMapper().readTree(QemuTools.img("info", "--output=json", image.toString()));
    }

    @ParameterizedTest
    @CsvSource({"qcow2,off,64k", "qcow2,metadata,4k", "qcow2,falloc,64k", "qcow2,full,2M", "raw,off,", "raw,full,"})
    void createsImagesQemuImgAgreesWith(String format, String preallocation, String cluster) throws Exception {
        Path image = dir.resolve("disk." + format);
        String[] args = cluster == null
                ? new String[] {"image", "create", image.toString(), "8M", "--format", format, "--preallocation", preallocation}
                : new String[] {"image", "create", image.toString(), "8M", "--format", format, "--preallocation",
                    preallocation, "--cluster-size", cluster};
        CliRun run = jvirtio(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Formatting '" + image + "', fmt=" + format);
        JsonNode info = qemuInfo(image);
        assertThat(info.get("format").asText()).isEqualTo(format);
        assertThat(info.get("virtual-size").asLong()).isEqualTo(8L << 20);
        if (format.equals("qcow2")) {
            assertThat(QemuTools.run("qemu-img", "check", image.toString()).exit()).isZero();
            long expectedCluster = cluster.equals("2M") ? 2L << 20 : Long.parseLong(cluster.replace("k", "")) * 1024;
            assertThat(info.get("cluster-size").asLong()).isEqualTo(expectedCluster);
        }
    }

    @Test
    void anOverlayNeedsNoSizeAndRecordsItsBackingFile() throws Exception {
        Path base = dir.resolve("base.raw");
        assertThat(jvirtio("image", "create", base.toString(), "3M", "--format", "raw").exitCode()).isZero();
        Path overlay = dir.resolve("overlay.qcow2");
        CliRun run = jvirtio("image", "create", overlay.toString(), "--backing", "base.raw");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("backing_file=base.raw backing_fmt=raw").contains("size=" + (3 << 20));
        JsonNode info = qemuInfo(overlay);
        assertThat(info.get("backing-filename").asText()).isEqualTo("base.raw");
        assertThat(info.get("backing-filename-format").asText()).isEqualTo("raw");
    }

    @Test
    void mistakesAreOneLineAndTouchNothing() throws Exception {
        Path existing = dir.resolve("exists.qcow2");
        Files.writeString(existing, "keep me");
        CliRun exists = jvirtio("image", "create", existing.toString(), "1M");
        assertThat(exists.exitCode()).isEqualTo(1);
        assertThat(exists.err()).startsWith("jvirtio: ").contains("already exists").hasLineCount(1);
        assertThat(Files.readString(existing)).isEqualTo("keep me");

        CliRun noSize = jvirtio("image", "create", dir.resolve("x.qcow2").toString());
        assertThat(noSize.exitCode()).isEqualTo(1);
        assertThat(noSize.err()).contains("give the size");

        CliRun badCluster = jvirtio("image", "create", dir.resolve("y.qcow2").toString(), "1M", "--cluster-size", "3k");
        assertThat(badCluster.err()).contains("not a power of two").hasLineCount(1);

        CliRun rawMetadata = jvirtio("image", "create", dir.resolve("z.raw").toString(), "1M", "--format", "raw",
                "--preallocation", "metadata");
        assertThat(rawMetadata.err()).contains("use falloc or full");

        CliRun backingPrealloc = jvirtio("image", "create", dir.resolve("w.qcow2").toString(), "--backing",
                "exists.qcow2", "--preallocation", "full");
        assertThat(backingPrealloc.err()).contains("hide the backing file");
        assertThat(dir.resolve("x.qcow2")).doesNotExist();
        assertThat(dir.resolve("y.qcow2")).doesNotExist();
        assertThat(dir.resolve("z.raw")).doesNotExist();
        assertThat(dir.resolve("w.qcow2")).doesNotExist();
    }
}
