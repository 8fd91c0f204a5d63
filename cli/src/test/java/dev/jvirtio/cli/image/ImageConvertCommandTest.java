package dev.jvirtio.cli.image;

import static dev.jvirtio.cli.CliRun.jvirtio;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.qcow2.QemuTools;
import dev.jvirtio.cli.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvirtio image convert}: copies qemu-img compare finds equal, sparsely. */
class ImageConvertCommandTest {

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require("image command tests");
    }

    @Test
    void qcow2ToRawAndBackAreEqualAndSparse() throws Exception {
        Path source = dir.resolve("source.qcow2");
        QemuTools.img("create", "-f", "qcow2", source.toString(), "32M");
        QemuTools.io(source, "qcow2", "write -P 0x5c 4M 512k", "write -P 0x5d 20M 64k");
        Path raw = dir.resolve("copy.raw");
        CliRun toRaw = jvirtio("image", "convert", source.toString(), raw.toString(), "--to", "raw");
        assertThat(toRaw.exitCode()).as(toRaw.err()).isZero();
        assertThat(toRaw.out()).contains("576 KiB written");
        assertThat(QemuTools.run("qemu-img", "compare", source.toString(), raw.toString()).exit()).isZero();
        Path back = dir.resolve("back.qcow2");
        CliRun toQcow2 = jvirtio("image", "convert", raw.toString(), back.toString(), "--to", "qcow2",
                "--cluster-size", "4k");
        assertThat(toQcow2.exitCode()).as(toQcow2.err()).isZero();
        assertThat(QemuTools.run("qemu-img", "compare", source.toString(), back.toString()).exit()).isZero();
        assertThat(QemuTools.run("qemu-img", "check", back.toString()).exit()).isZero();
        CliRun again = jvirtio("image", "convert", raw.toString(), back.toString(), "--to", "qcow2");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already exists").hasLineCount(1);
    }

    @Test
    void theTargetFormatIsRequired() {
        CliRun run = jvirtio("image", "convert", "a", "b");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--to");
    }
}
