package dev.jvirtio.cli.image;

import static dev.jvirtio.cli.CliRun.jvirtio;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.blk.storage.qcow2.QemuTools;
import dev.jvirtio.cli.CliRun;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvirtio image check}: the verdicts and exit codes of qemu-img check. */
class ImageCheckCommandTest {

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require("image command tests");
    }

    private Path image() throws Exception {
        Path image = dir.resolve("disk.qcow2");
        QemuTools.img("create", "-f", "qcow2", image.toString(), "4M");
        QemuTools.io(image, "qcow2", "write -P 7 0 200k", "write -P 8 2M 64k", "discard 64k 64k");
        return image;
    }

    /** Sets the refcount of the cluster with index {@code cluster} in the first refcount block. */
    private static void setRefcount(Path image, long cluster, int value) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(image));
        long block = b.getLong((int) b.getLong(48));
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(block + cluster * 2);
            f.writeShort(value);
        }
    }

    @Test
    void aCleanImageExitsZeroAsQemuImgDoes() throws Exception {
        Path image = image();
        CliRun run = jvirtio("image", "check", image.toString());
        assertThat(run.exitCode()).isZero().isEqualTo(QemuTools.run("qemu-img", "check", image.toString()).exit());
        assertThat(run.out()).contains("No errors were found on the image.").contains("Image end offset: ");
        JsonNode ours = new ObjectMapper().readTree(jvirtio("image", "check", "--json", image.toString()).out());
        JsonNode qemu = new ObjectMapper().readTree(QemuTools.img("check", "--output=json", image.toString()));
        qemu.fieldNames().forEachRemaining(field -> {
            if (!field.equals("filename")) {
                assertThat(ours.get(field)).as(field).isEqualTo(qemu.get(field));
            }
        });
        assertThat(ours.size()).isEqualTo(qemu.size());
    }

    @Test
    void leaksExitThreeAndCorruptionsExitTwo() throws Exception {
        Path image = image();
        // The discard freed cluster 6; a refcount on it is a leak.
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(image));
        long block = b.getLong((int) b.getLong(48));
        int free = 1;
        while (b.getShort((int) block + free * 2) != 0) {
            free++;
        }
        setRefcount(image, free, 1);
        CliRun leak = jvirtio("image", "check", image.toString());
        assertThat(leak.exitCode()).isEqualTo(3).isEqualTo(QemuTools.run("qemu-img", "check", image.toString()).exit());
        assertThat(leak.out()).contains("1 leaked clusters were found").contains("Leaked cluster " + free);
        // The L2 table's refcount dropping to zero is a corruption.
        long l2 = (b.getLong((int) b.getLong(40)) & 0x00ff_ffff_ffff_fe00L) >> 16;
        setRefcount(image, l2, 0);
        CliRun corrupt = jvirtio("image", "check", image.toString());
        assertThat(corrupt.exitCode()).isEqualTo(2).isEqualTo(QemuTools.run("qemu-img", "check", image.toString()).exit());
        assertThat(corrupt.out()).contains("errors were found on the image");
    }

    @Test
    void rawImagesHaveNothingToCheckAndBrokenHeadersCannotBeChecked() throws Exception {
        Path raw = dir.resolve("disk.raw");
        Files.write(raw, new byte[4096]);
        CliRun run = jvirtio("image", "check", raw.toString());
        assertThat(run.exitCode()).isEqualTo(63).isEqualTo(QemuTools.run("qemu-img", "check", raw.toString()).exit());
        Path broken = dir.resolve("broken.qcow2");
        byte[] header = new byte[4096];
        ByteBuffer.wrap(header).putInt(0x514649fb).putInt(3);
        Files.write(broken, header);
        CliRun incomplete = jvirtio("image", "check", broken.toString());
        assertThat(incomplete.exitCode()).isEqualTo(1);
        assertThat(incomplete.err()).contains("could not complete").contains("cluster_bits").hasLineCount(1);
    }
}
