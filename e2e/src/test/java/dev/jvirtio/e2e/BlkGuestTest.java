package dev.jvirtio.e2e;

import static dev.jvirtio.e2e.HostImage.read;
import static dev.jvirtio.e2e.ScenarioGuest.bootOnDisk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.guest.GuestFile;
import dev.jvirtio.guest.GuestRun;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Linux guest's own virtio_blk driver reads and writes disks that jvirtio serves over
 * vhost-user; every scenario is checked from inside the guest and from the host.
 */
class BlkGuestTest {

    private static final long IMAGE_SIZE = 64L << 20;

    @TempDir
    Path dir;

    private Path image(String file, long size) throws Exception {
        Path p = dir.resolve(file);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static ServedDisk serve(Path image, Path socket, CacheMode mode, boolean readOnly, int queues)
            throws Exception {
        return serve(image, socket, mode, readOnly, queues, 0);
    }

    /** Serves with {@code ioWorkers} threads running the I/O (0: inline on the queue threads). */
    private static ServedDisk serve(Path image, Path socket, CacheMode mode, boolean readOnly, int queues,
                                    int ioWorkers) throws Exception {
        return ServedDisk.start(RawStorage.open(image, mode, readOnly), socket, queues, "e2e-disk", ioWorkers);
    }

    /** (offset, length) pairs: 512 B to 1 MiB, 512-aligned offsets that are not 4K-aligned, and the last sector. */
    private static long[][] extents() {
        return new long[][] {
            {0, 512}, {512 * 3, 4096}, {8192 + 512, 65536}, {1L << 20, 1L << 20}, {5L << 20, 131072 + 512},
            {IMAGE_SIZE - 512, 512}};
    }

    @Test
    void guestWritesPatternsWithDirectIoAndTheHostFindsThemInTheImage(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        Path image = image("disk.raw", IMAGE_SIZE);
        Path socket = dir.resolve("blk.sock");
        Random random = new Random(42);
        List<GuestFile> files = new ArrayList<>();
        StringBuilder script = new StringBuilder("set -e\nmark size \"$(blockdev --getsize64 /dev/vda)\"\n");
        long[][] extents = extents();
        byte[][] patterns = new byte[extents.length][];
        for (int i = 0; i < extents.length; i++) {
            patterns[i] = new byte[(int) extents[i][1]];
            random.nextBytes(patterns[i]);
            files.add(GuestFile.of("/data/p" + i, patterns[i]));
            long sectors = extents[i][1] / 512;
            long seek = extents[i][0] / 512;
            script.append("""
                    dd if=/data/p%1$d of=/dev/vda bs=512 seek=%2$d count=%3$d oflag=direct conv=notrunc 2>/dev/null
                    dd if=/dev/vda of=/tmp/r%1$d bs=512 skip=%2$d count=%3$d iflag=direct 2>/dev/null
                    cmp /data/p%1$d /tmp/r%1$d && mark same%1$d yes
                    """.formatted(i, seek, sectors));
        }
        try (ServedDisk backend = serve(image, socket, CacheMode.NONE, false, 1, 8)) {
            GuestRun run = bootOnDisk(test, script.toString(), files, socket, 1, 1);
            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("size")).contains(Long.toString(IMAGE_SIZE));
            for (int i = 0; i < extents.length; i++) {
                assertThat(run.marker("same" + i)).as("guest read back extent " + i).contains("yes");
            }
            assertThat(backend.queueStats().get(0).requests()).as("requests served").isPositive();
        }
        for (int i = 0; i < extents.length; i++) {
            assertThat(read(image, extents[i][0], (int) extents[i][1]))
                    .as("image bytes of extent " + i + " at " + extents[i][0]).isEqualTo(patterns[i]);
        }
        assertThat(read(image, 512, 512)).as("sector 1 was never written").containsOnly((byte) 0);
        assertThat(Files.size(image)).isEqualTo(IMAGE_SIZE);
    }

    @Test
    void twoQueuesServeWritersOnBothCpus(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        Path image = image("disk.raw", IMAGE_SIZE);
        Path socket = dir.resolve("blk.sock");
        byte[] a = new byte[1 << 20];
        byte[] b = new byte[1 << 20];
        new Random(1).nextBytes(a);
        new Random(2).nextBytes(b);
        String script = """
                set -e
                mark queues "$(ls /sys/block/vda/mq | wc -l)"
                taskset 1 dd if=/data/a of=/dev/vda bs=4096 seek=0 oflag=direct conv=notrunc 2>/dev/null &
                taskset 2 dd if=/data/b of=/dev/vda bs=4096 seek=1024 oflag=direct conv=notrunc 2>/dev/null &
                wait
                mark written yes
                """;
        try (ServedDisk backend = serve(image, socket, CacheMode.WRITEBACK, false, 2, 4)) {
            GuestRun run = bootOnDisk(test, script, List.of(GuestFile.of("/data/a", a), GuestFile.of("/data/b", b)), socket, 2, 2);
            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("queues")).contains("2");
            assertThat(backend.queueStats().get(0).requests()).as("queue 0 served").isPositive();
            assertThat(backend.queueStats().get(1).requests()).as("queue 1 served").isPositive();
        }
        assertThat(read(image, 0, a.length)).isEqualTo(a);
        assertThat(read(image, 4 << 20, b.length)).isEqualTo(b);
    }

    @Test
    void guestMakesAFileSystemThatTheHostFindsClean(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        GuestRequirements.program("e2fsck", "e2fsprogs");
        Path image = image("disk.raw", IMAGE_SIZE);
        Path socket = dir.resolve("blk.sock");
        byte[] file = new byte[300_000];
        new Random(3).nextBytes(file);
        String script = """
                set -e
                mke2fs -q -b 4096 /dev/vda
                mkdir /mnt/disk
                mount -t ext2 /dev/vda /mnt/disk
                cp /data/f /mnt/disk/f.bin
                echo hello-from-the-guest > /mnt/disk/hello.txt
                sync
                umount /mnt/disk
                mark fs made
                """;
        try (ServedDisk backend = serve(image, socket, CacheMode.NONE, false, 1, 8)) {
            GuestRun run = bootOnDisk(test, script, List.of(GuestFile.of("/data/f", file)), socket, 1, 1);
            assertThat(run.succeeded()).as(run.describe()).isTrue();
        }
        Process fsck = new ProcessBuilder("e2fsck", "-fn", image.toString()).redirectErrorStream(true).start();
        String out = new String(fsck.getInputStream().readAllBytes());
        assertThat(fsck.waitFor()).as("e2fsck -fn: " + out).isZero();
        Path dump = dir.resolve("f.bin");
        Process cat = new ProcessBuilder("debugfs", "-R", "dump /f.bin " + dump, image.toString())
                .redirectErrorStream(true).start();
        cat.getInputStream().readAllBytes();
        assertThat(cat.waitFor()).isZero();
        assertThat(Files.readAllBytes(dump)).isEqualTo(file);
    }

    @Test
    void blkdiscardLeavesAHoleInTheHostFile(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        Path image = image("disk.raw", IMAGE_SIZE);
        Path socket = dir.resolve("blk.sock");
        String script = """
                set -e
                dd if=/dev/urandom of=/dev/vda bs=1048576 count=8 oflag=direct 2>/dev/null
                sync
                mark filled yes
                blkdiscard -o 1048576 -l 4194304 /dev/vda
                mark discarded yes
                """;
        long filledBlocks;
        try (ServedDisk backend = serve(image, socket, CacheMode.NONE, false, 1)) {
            GuestRun run = bootOnDisk(test, script, List.of(), socket, 1, 1);
            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("discarded")).contains("yes");
        }
        filledBlocks = (long) Files.getAttribute(image, "unix:size");
        assertThat(read(image, 1 << 20, 4 << 20)).as("discarded range reads as zeroes").containsOnly((byte) 0);
        assertThat(read(image, 0, 4096)).as("data before the range is kept").isNotEqualTo(new byte[4096]);
        long allocated = allocatedBytes(image);
        assertThat(allocated).as("allocated bytes after discard").isLessThanOrEqualTo((8L << 20) - (4L << 20) + (1 << 20));
        assertThat(filledBlocks).isEqualTo(IMAGE_SIZE);
    }

    private static long allocatedBytes(Path file) throws Exception {
        Process du = new ProcessBuilder("du", "-B1", "--", file.toString()).start();
        String out = new String(du.getInputStream().readAllBytes()).trim();
        du.waitFor();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    @Test
    void readOnlyExportRefusesWritesAndLeavesTheImageUnchanged(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        Path image = image("disk.raw", IMAGE_SIZE);
        byte[] original = new byte[1 << 20];
        new Random(4).nextBytes(original);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.write(original);
        }
        Path socket = dir.resolve("blk.sock");
        String script = """
                mark ro "$(cat /sys/block/vda/ro)"
                if dd if=/dev/zero of=/dev/vda bs=4096 count=16 oflag=direct 2>/dev/null; then mark write ok; else mark write failed; fi
                mark md5 "$(dd if=/dev/vda bs=1048576 count=1 iflag=direct 2>/dev/null | md5sum | cut -d ' ' -f 1)"
                """;
        try (ServedDisk backend = serve(image, socket, CacheMode.NONE, true, 1)) {
            GuestRun run = bootOnDisk(test, script, List.of(), socket, 1, 1);
            assertThat(run.done()).as(run.describe()).isPresent();
            assertThat(run.marker("ro")).as("the guest sees a read-only disk").contains("1");
            assertThat(run.marker("write")).contains("failed");
            assertThat(run.marker("md5")).contains(Digests.md5(original));
        }
        assertThat(read(image, 0, original.length)).isEqualTo(original);
    }

    @Test
    void aSecondGuestReadsWhatTheFirstWroteFromTheSameDaemon(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        Path image = image("disk.raw", IMAGE_SIZE);
        Path socket = dir.resolve("blk.sock");
        byte[] data = new byte[256 * 1024];
        new Random(5).nextBytes(data);
        try (ServedDisk backend = serve(image, socket, CacheMode.WRITEBACK, false, 1)) {
            GuestRun first = bootOnDisk(test, """
                    set -e
                    dd if=/data/d of=/dev/vda bs=4096 seek=100 oflag=direct conv=notrunc 2>/dev/null
                    mark wrote yes
                    """, List.of(GuestFile.of("/data/d", data)), socket, 1, 1);
            assertThat(first.succeeded()).as(first.describe()).isTrue();
            GuestRun second = bootOnDisk(test, """
                    set -e
                    mark md5 "$(dd if=/dev/vda bs=4096 skip=100 count=64 iflag=direct 2>/dev/null | md5sum | cut -d ' ' -f 1)"
                    """, List.of(), socket, 1, 1);
            assertThat(second.succeeded()).as(second.describe()).isTrue();
            assertThat(second.marker("md5")).contains(Digests.md5(data));
            assertThat(backend.connections()).isEqualTo(2);
        }
    }
}
