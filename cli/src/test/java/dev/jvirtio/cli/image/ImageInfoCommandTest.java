package dev.jvirtio.cli.image;

import static dev.jvirtio.cli.CliRun.jvirtio;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.blk.storage.qcow2.QemuTools;
import dev.jvirtio.cli.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvirtio image info}: the fields qemu-img info reports, under the same names. */
class ImageInfoCommandTest {

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require("image command tests");
    }

    @Test
    void jsonFieldsMatchQemuImgInfo() throws Exception {
        Path base = dir.resolve("base.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-o", "cluster_size=4096", base.toString(), "5M");
        QemuTools.io(base, "qcow2", "write -P 0x61 0 1M");
        Path overlay = dir.resolve("overlay.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", overlay.toString());
        ObjectMapper json = new ObjectMapper();
        for (Path image : new Path[] {base, overlay}) {
            CliRun run = jvirtio("image", "info", "--json", image.toString());
            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode ours = json.readTree(run.out());
            JsonNode qemu = json.readTree(QemuTools.img("info", "--output=json", image.toString()));
            for (String field : new String[] {"format", "virtual-size", "actual-size", "cluster-size", "dirty-flag"}) {
                assertThat(ours.get(field)).as(field).isEqualTo(qemu.get(field));
            }
            assertThat(ours.get("format-specific")).isEqualTo(qemu.get("format-specific"));
            if (qemu.has("backing-filename")) {
                assertThat(ours.get("backing-filename")).isEqualTo(qemu.get("backing-filename"));
                assertThat(ours.get("backing-filename-format")).isEqualTo(qemu.get("backing-filename-format"));
                assertThat(ours.get("full-backing-filename").asText()).isEqualTo(base.toAbsolutePath().toString());
            } else {
                assertThat(ours.has("backing-filename")).isFalse();
            }
        }
    }

    @Test
    void textNamesFormatSizesAndBackingFile() throws Exception {
        Path raw = dir.resolve("disk.raw");
        QemuTools.img("create", "-f", "raw", raw.toString(), "2G");
        CliRun run = jvirtio("image", "info", raw.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("file format: raw").contains("virtual size: 2 GiB (2147483648 bytes)")
                .doesNotContain("cluster_size");
        Path overlay = dir.resolve("o.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-b", "disk.raw", "-F", "raw", overlay.toString());
        assertThat(jvirtio("image", "info", overlay.toString()).out()).contains("file format: qcow2")
                .contains("cluster_size: 65536").contains("backing file: disk.raw (actual path: " + raw.toAbsolutePath())
                .contains("backing file format: raw").contains("compat: 1.1");
    }

    @Test
    void aMissingImageIsOneLine() {
        CliRun run = jvirtio("image", "info", dir.resolve("nope.qcow2").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("jvirtio: image " + dir.resolve("nope.qcow2") + " does not exist"
                + System.lineSeparator());
    }
}
