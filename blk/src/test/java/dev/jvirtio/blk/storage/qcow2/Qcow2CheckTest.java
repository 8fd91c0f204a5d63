package dev.jvirtio.blk.storage.qcow2;

import static dev.jvirtio.blk.storage.qcow2.Qcow2InteropTest.patch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.RealDiskTempDir;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jvirtio's check reaches the verdicts {@code qemu-img check} reaches, count for count. */
class Qcow2CheckTest {

    private static final Pattern LEAKS = Pattern.compile("(\\d+) leaked clusters? (was|were) found");
    private static final Pattern ERRORS = Pattern.compile("(\\d+) errors? (was|were) found");

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require();
    }

    /** Checks with both tools and asserts the same exit code, leak count and corruption count. */
    private Qcow2CheckResult agree(Path image) throws Exception {
        QemuTools.Result qemu = QemuTools.check(image);
        Qcow2CheckResult ours = Qcow2Check.check(image);
        assertThat(ours.exitCode()).as("exit code; qemu-img check said:%n%s%njvirtio found: %s", qemu.output(),
                ours.problems()).isEqualTo(qemu.exit());
        assertThat(ours.leaks()).as("leaks").isEqualTo(count(LEAKS, qemu.output()));
        assertThat(ours.corruptions()).as("corruptions, qemu-img said:%n%s%nwe said %s", qemu.output(), ours.problems())
                .isEqualTo(count(ERRORS, qemu.output()));
        return ours;
    }

    private static long count(Pattern pattern, String output) {
        Matcher m = pattern.matcher(output);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private Path populated(String name, String options) throws Exception {
        Path image = dir.resolve(name);
        QemuTools.img("create", "-f", "qcow2", "-o", options, image.toString(), "4M");
        QemuTools.io(image, "qcow2", "write -P 1 0 300k", "write -P 2 2M 64k", "write -z 1M 128k", "discard 64k 64k");
        return image;
    }

    @Test
    void cleanImagesOfEveryKindAreClean() throws Exception {
        assertThat(agree(populated("v3.qcow2", "compat=1.1")).exitCode()).isZero();
        assertThat(agree(populated("v2.qcow2", "compat=0.10")).exitCode()).isZero();
        assertThat(agree(populated("small.qcow2", "cluster_size=512,refcount_bits=1")).exitCode()).isZero();
        Path compressed = dir.resolve("compressed.qcow2");
        QemuTools.img("convert", "-c", "-O", "qcow2", populated("src.qcow2", "compat=1.1").toString(),
                compressed.toString());
        Qcow2CheckResult result = agree(compressed);
        assertThat(result.compressedClusters()).isPositive();
        Path snapshots = populated("snap.qcow2", "compat=1.1");
        QemuTools.img("snapshot", "-c", "one", snapshots.toString());
        QemuTools.io(snapshots, "qcow2", "write -P 3 0 64k");
        assertThat(agree(snapshots).exitCode()).isZero();
    }

    @Test
    void aRaisedRefcountIsALeak() throws Exception {
        Path image = populated("leak.qcow2", "compat=1.1");
        byte[] bytes = Files.readAllBytes(image);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long refblock = b.getLong((int) b.getLong(48));
        // A cluster inside the file that nothing uses (the discard freed one) gets a refcount nothing explains.
        int free = 1;
        while (b.getShort((int) refblock + free * 2) != 0) {
            free++;
        }
        assertThat((long) free << 16).as("a free cluster inside the file").isLessThan(bytes.length);
        patch(image, refblock + free * 2L, new byte[] {0, 1});
        Qcow2CheckResult result = agree(image);
        assertThat(result.exitCode()).isEqualTo(3);
        int leaked = free;
        assertThat(result.problems()).anyMatch(p -> p.contains("Leaked cluster " + leaked + " "));
    }

    @Test
    void aLoweredRefcountIsACorruption() throws Exception {
        Path image = populated("lost.qcow2", "compat=1.1");
        byte[] bytes = Files.readAllBytes(image);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long refblock = b.getLong((int) b.getLong(48));
        long l2 = b.getLong((int) b.getLong(40)) & Qcow2Layout.OFFSET_MASK;
        patch(image, refblock + (l2 >> 16) * 2, new byte[] {0, 0});
        Qcow2CheckResult result = agree(image);
        assertThat(result.exitCode()).isEqualTo(2);
    }

    @Test
    void aMisalignedDataClusterIsACorruption() throws Exception {
        Path image = populated("misaligned.qcow2", "compat=1.1");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(image));
        long l2 = b.getLong((int) b.getLong(40)) & Qcow2Layout.OFFSET_MASK;
        long entry = b.getLong((int) l2);
        patch(image, l2, ByteBuffer.allocate(8).putLong(entry + 512).array());
        Qcow2CheckResult result = Qcow2Check.check(image);
        assertThat(result.exitCode()).isEqualTo(QemuTools.check(image).exit()).isEqualTo(2);
        assertThat(result.problems()).anyMatch(p -> p.contains("not properly aligned"));
    }

    @Test
    void aHeaderThatCannotBeReadMeansTheCheckCouldNotComplete() throws Exception {
        Path image = dir.resolve("garbage.qcow2");
        Files.write(image, "QFI\u00fbnonsense".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Qcow2CheckResult result = Qcow2Check.check(image);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.failureReason()).hasValueSatisfying(m -> assertThat(m).contains("too short"));
    }
}
