package dev.jvirtio.e2e;

import static dev.jvirtio.e2e.HostImage.read;
import static dev.jvirtio.e2e.ScenarioGuest.bootOnDisk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.BlkOptions;
import dev.jvirtio.blk.image.ImageFormat;
import dev.jvirtio.blk.image.Images;
import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.qcow2.Qcow2Check;
import dev.jvirtio.blk.storage.qcow2.Qcow2CreateOptions;
import dev.jvirtio.blk.storage.qcow2.Qcow2Storage;
import dev.jvirtio.guest.GuestFile;
import dev.jvirtio.guest.GuestRun;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Linux guest boots on a qcow2 disk that jvirtio serves: an overlay over a raw base, which
 * the guest reads through and writes into while the base stays as it was; and an empty qcow2 disk
 * on which the guest makes a file system that qemu-img and e2fsck accept.
 */
class Qcow2GuestTest {

    private static final long DISK_SIZE = 64L << 20;
    private static final int BASE_DATA = 8 << 20;

    @TempDir
    Path dir;

    private static ServedDisk serve(Path image, Path socket, CacheMode mode, int queues) throws Exception {
        return ServedDisk.start(Qcow2Storage.open(image, mode, false), socket, queues, "e2e-qcow2",
                BlkOptions.DEFAULT_IO_WORKERS);
    }

    private GuestRun boot(TestInfo test, String script, List<GuestFile> files, Path socket, int queues)
            throws Exception {
        return bootOnDisk(test, script, files, socket, queues, queues);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** Runs a host tool; returns its exit code, failing with its output if it does not finish. */
    private static int tool(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        if (p.exitValue() != 0) {
            System.err.println(String.join(" ", command) + ": " + out);
        }
        return p.exitValue();
    }

    @Test
    void theGuestReadsTheBaseThroughAnOverlayAndItsWritesStayInTheOverlay(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        GuestRequirements.program("qemu-img", "qemu-utils");
        Path base = dir.resolve("base.raw");
        byte[] baseData = new byte[BASE_DATA];
        new Random(1).nextBytes(baseData);
        try (RandomAccessFile f = new RandomAccessFile(base.toFile(), "rw")) {
            f.setLength(DISK_SIZE);
            f.write(baseData);
        }
        String baseDigest = sha256(base);
        Path overlay = dir.resolve("overlay.qcow2");
        Images.create(overlay, ImageFormat.QCOW2, -1, Qcow2CreateOptions.DEFAULTS.withBacking("base.raw", "raw"));

        // Writes over base data, across cluster boundaries at sector (not 4 KiB) offsets, and past the data.
        long[][] extents = {{512 * 3, 4096}, {65536 - 1024, 8192}, {(2 << 20) + 512, 300 * 1024},
            {BASE_DATA - 4096, 8192}, {40L << 20, 1 << 20}};
        Random random = new Random(2);
        List<GuestFile> files = new ArrayList<>();
        byte[][] patterns = new byte[extents.length][];
        StringBuilder script = new StringBuilder("""
                set -e
                mark size "$(blockdev --getsize64 /dev/vda)"
                mark base "$(dd if=/dev/vda bs=1048576 count=8 iflag=direct 2>/dev/null | md5sum | cut -d ' ' -f 1)"
                """);
        for (int i = 0; i < extents.length; i++) {
            patterns[i] = new byte[(int) extents[i][1]];
            random.nextBytes(patterns[i]);
            files.add(GuestFile.of("/data/p" + i, patterns[i]));
            script.append("""
                    dd if=/data/p%1$d of=/dev/vda bs=512 seek=%2$d count=%3$d oflag=direct conv=notrunc 2>/dev/null
                    dd if=/dev/vda of=/tmp/r%1$d bs=512 skip=%2$d count=%3$d iflag=direct 2>/dev/null
                    cmp /data/p%1$d /tmp/r%1$d && mark same%1$d yes
                    """.formatted(i, extents[i][0] / 512, extents[i][1] / 512));
        }
        script.append("sync\nmark written yes\n");
        Path socket = dir.resolve("blk.sock");
        try (ServedDisk served = serve(overlay, socket, CacheMode.NONE, 1)) {
            GuestRun run = boot(test, script.toString(), files, socket, 1);
            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("size")).contains(Long.toString(DISK_SIZE));
            assertThat(run.marker("base")).as("the guest reads the base through the overlay")
                    .contains(Digests.md5(baseData));
            for (int i = 0; i < extents.length; i++) {
                assertThat(run.marker("same" + i)).as("guest read back extent " + i).contains("yes");
            }
        }
        assertThat(sha256(base)).as("the base is unchanged").isEqualTo(baseDigest);
        assertThat(Qcow2Check.check(overlay).exitCode()).isZero();
        assertThat(tool("qemu-img", "check", overlay.toString())).as("qemu-img check").isZero();
        // The overlay, read by QEMU's converter: the guest's extents over the base's bytes.
        Path flat = dir.resolve("flat.raw");
        assertThat(tool("qemu-img", "convert", "-O", "raw", overlay.toString(), flat.toString())).isZero();
        byte[] expected = Arrays.copyOf(baseData, (int) (48L << 20));
        for (int i = 0; i < extents.length; i++) {
            System.arraycopy(patterns[i], 0, expected, (int) extents[i][0], patterns[i].length);
        }
        assertThat(read(flat, 0, expected.length)).isEqualTo(expected);
    }

    @Test
    void aFileSystemMadeOnAnEmptyQcow2DiskPassesQemuImgAndE2fsck(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        GuestRequirements.program("qemu-img", "qemu-utils");
        GuestRequirements.program("e2fsck", "e2fsprogs");
        Path image = dir.resolve("fs.qcow2");
        Images.create(image, ImageFormat.QCOW2, DISK_SIZE, Qcow2CreateOptions.DEFAULTS);
        byte[] file = new byte[700_000];
        new Random(3).nextBytes(file);
        String script = """
                set -e
                mke2fs -q -b 4096 /dev/vda
                mkdir /mnt/disk
                mount -t ext2 /dev/vda /mnt/disk
                cp /data/f /mnt/disk/f.bin
                cp /data/f /mnt/disk/g.bin
                rm /mnt/disk/g.bin
                sync
                umount /mnt/disk
                mark fs made
                """;
        Path socket = dir.resolve("blk.sock");
        try (ServedDisk served = serve(image, socket, CacheMode.WRITEBACK, 2)) {
            GuestRun run = boot(test, script, List.of(GuestFile.of("/data/f", file)), socket, 2);
            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("fs")).contains("made");
        }
        assertThat(tool("qemu-img", "check", image.toString())).as("qemu-img check").isZero();
        Path raw = dir.resolve("fs.raw");
        assertThat(tool("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString())).isZero();
        assertThat(tool("e2fsck", "-fn", raw.toString())).as("e2fsck -fn").isZero();
        Path dump = dir.resolve("f.bin");
        assertThat(tool("debugfs", "-R", "dump /f.bin " + dump, raw.toString())).isZero();
        assertThat(Files.readAllBytes(dump)).isEqualTo(file);
    }
}
