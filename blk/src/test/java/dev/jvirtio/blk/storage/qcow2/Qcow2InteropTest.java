package dev.jvirtio.blk.storage.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.Preallocation;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.blk.storage.RealDiskTempDir;
import dev.jvirtio.blk.storage.Storage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * qcow2 images made by QEMU's tools are read and written by jvirtio, and images jvirtio writes are
 * judged by QEMU's tools: afterwards {@code qemu-img check} finds them clean and
 * {@code qemu-img compare} finds them equal to a raw twin that received the same requests.
 */
class Qcow2InteropTest {

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require();
    }

    /** The raw twin of an image: its guest-visible contents as qemu-img converts them. */
    private Path twinOf(Path image) throws Exception {
        return QemuTools.toRaw(image, dir.resolve(image.getFileName() + ".twin.raw"));
    }

    /** Random requests to the image and its twin, then QEMU's verdicts. */
    private void exerciseAndJudge(Path image, CacheMode mode, long seed, int operations) throws Exception {
        Path twin = twinOf(image);
        try (Storage disk = Qcow2Storage.open(image, mode, false); Storage raw = RawStorage.open(twin, CacheMode.WRITEBACK, false)) {
            TwinScenario.assertSameContents(disk, raw);
            TwinScenario.run(disk, raw, new Random(seed), operations, 256 * 1024);
            TwinScenario.assertSameContents(disk, raw);
            disk.flush();
        }
        assertClean(image);
        assertEqualContents(image, twin);
    }

    static void assertClean(Path image) throws Exception {
        QemuTools.Result check = QemuTools.check(image);
        assertThat(check.exit()).as("qemu-img check %s:%n%s", image, check.output()).isZero();
        assertThat(Qcow2Check.check(image).exitCode()).as("jvirtio's check of %s", image).isZero();
    }

    static void assertEqualContents(Path image, Path twin) throws Exception {
        QemuTools.Result compare = QemuTools.compare(image, twin);
        assertThat(compare.exit()).as("qemu-img compare %s %s:%n%s", image, twin, compare.output()).isZero();
    }

    private void qemuWrites(Path image, String format) throws Exception {
        QemuTools.io(image, format,
                "write -P 0x11 0 64k",
                "write -P 0x22 100k 300k",
                "write -P 0x33 1M 4k",
                "write -z 1060k 128k",
                "write -P 0x44 3M 1M",
                "discard 3M 64k");
    }

    @Test
    void aVersion3ImageFromQemuIsReadAndWrittenAndStaysClean() throws Exception {
        Path image = dir.resolve("v3.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-o", "compat=1.1", image.toString(), "8M");
        qemuWrites(image, "qcow2");
        exerciseAndJudge(image, CacheMode.WRITEBACK, 1, 120);
    }

    @Test
    void aVersion2ImageFromQemuIsReadAndWrittenAndStaysClean() throws Exception {
        Path image = dir.resolve("v2.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-o", "compat=0.10", image.toString(), "8M");
        qemuWrites(image, "qcow2");
        assertThat(Qcow2Header.read(image).version()).isEqualTo(2);
        exerciseAndJudge(image, CacheMode.WRITEBACK, 2, 120);
    }

    @Test
    void compressedClustersReadAsTheirSourceAndWritesCopyThemOut() throws Exception {
        Path source = dir.resolve("source.raw");
        byte[] content = new byte[6 << 20];
        Random random = new Random(3);
        for (int block = 0; block < content.length; block += 65536) {
            switch (random.nextInt(3)) {
                case 0 -> { } // zero: stays unallocated
                case 1 -> java.util.Arrays.fill(content, block, block + 65536, (byte) random.nextInt(256));
                default -> {
                    // Compressible text-like data.
                    for (int i = block; i < block + 65536; i++) {
                        content[i] = (byte) ('a' + random.nextInt(4));
                    }
                }
            }
        }
        Files.write(source, content);
        Path image = dir.resolve("compressed.qcow2");
        QemuTools.img("convert", "-c", "-O", "qcow2", source.toString(), image.toString());
        assertThat(QemuTools.img("check", image.toString())).contains("compressed clusters");
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, true)) {
            assertThat(Disks.read(disk, 0, content.length)).isEqualTo(content);
        }
        exerciseAndJudge(image, CacheMode.WRITEBACK, 4, 100);
    }

    @Test
    void aBackingChainIsReadThroughAndOnlyTheTopChanges() throws Exception {
        Path base = dir.resolve("base.raw");
        Files.write(base, Disks.pattern(new Random(5), 6 << 20));
        Path middle = dir.resolve("middle.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", middle.toString(), "6M");
        QemuTools.io(middle, "qcow2", "write -P 0x55 1M 200k", "write -z 2M 64k");
        Path top = dir.resolve("top.qcow2");
        // The top is larger than the base: past the base's end the chain reads zeroes.
        QemuTools.img("create", "-f", "qcow2", "-b", "middle.qcow2", "-F", "qcow2", top.toString(), "10M");
        QemuTools.io(top, "qcow2", "write -P 0x66 4M 100k");
        String baseDigest = sha256(base);
        String middleDigest = sha256(middle);
        exerciseAndJudge(top, CacheMode.WRITEBACK, 6, 150);
        assertThat(sha256(base)).as("the raw base is unchanged").isEqualTo(baseDigest);
        assertThat(sha256(middle)).as("the middle qcow2 is unchanged").isEqualTo(middleDigest);
    }

    @Test
    void backingFileNamesAreResolvedAgainstTheImageDirectoryNotTheWorkingDirectory() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Files.write(sub.resolve("base.raw"), Disks.pattern(new Random(7), 1 << 20));
        Path overlay = sub.resolve("overlay.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", overlay.toString(), "1M");
        try (Storage disk = Qcow2Storage.open(overlay, CacheMode.WRITEBACK, true)) {
            assertThat(Disks.read(disk, 0, 1 << 20)).isEqualTo(Files.readAllBytes(sub.resolve("base.raw")));
        }
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    void everyCacheModeWritesAnImageQemuFindsClean(CacheMode mode) throws Exception {
        Path image = dir.resolve("mode-" + mode + ".qcow2");
        Qcow2Creator.create(image, 6 << 20, Qcow2CreateOptions.DEFAULTS);
        exerciseAndJudge(image, mode, 8 + mode.ordinal(), 80);
    }

    @ParameterizedTest
    @CsvSource({"512,off", "512,metadata", "4096,falloc", "65536,off", "65536,metadata", "65536,falloc",
        "65536,full", "2097152,off", "2097152,full"})
    void imagesJvirtioCreatesPassQemuImgCheckAndReportTheirGeometry(int clusterSize, String preallocation)
            throws Exception {
        Path image = dir.resolve("created-" + clusterSize + "-" + preallocation + ".qcow2");
        long size = (5L << 20) + 512;
        Qcow2Creator.create(image, size, Qcow2CreateOptions.DEFAULTS.withClusterSize(clusterSize)
                .withPreallocation(Preallocation.parse(preallocation)));
        assertClean(image);
        String info = QemuTools.img("info", "--output=json", image.toString());
        assertThat(info).contains("\"virtual-size\": " + size).contains("\"cluster-size\": " + clusterSize);
        if (!preallocation.equals("off")) {
            String map = QemuTools.img("map", "--output=json", image.toString());
            assertThat(map).as("preallocated images map every cluster").doesNotContain("\"data\": false");
        }
        exerciseAndJudge(image, CacheMode.WRITEBACK, clusterSize, 60);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 32, 64})
    void everyRefcountWidthIsKeptConsistent(int refcountBits) throws Exception {
        Path image = dir.resolve("refcount-" + refcountBits + ".qcow2");
        // Small clusters fill refcount blocks quickly, so new blocks and a larger table are needed.
        QemuTools.img("create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=" + refcountBits,
                image.toString(), "4M");
        Path twin = twinOf(image);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false);
                Storage raw = RawStorage.open(twin, CacheMode.WRITEBACK, false)) {
            byte[] data = Disks.pattern(new Random(refcountBits), 3 << 20);
            Disks.write(disk, 512 * 1024, data);
            Disks.write(raw, 512 * 1024, data);
            TwinScenario.run(disk, raw, new Random(refcountBits), 40, 64 * 1024);
        }
        assertClean(image);
        assertEqualContents(image, twin);
    }

    @Test
    void theRefcountTableGrowsWhenTheFileOutgrowsIt() throws Exception {
        Path image = dir.resolve("grow.qcow2");
        // 512-byte clusters, 16-bit refcounts: one table cluster covers 64 blocks of 256 clusters, 8 MiB.
        Qcow2Creator.create(image, 24 << 20, Qcow2CreateOptions.DEFAULTS.withClusterSize(512));
        long tableBefore = Qcow2Header.read(image).refcountTableOffset();
        Path twin = twinOf(image);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false);
                Storage raw = RawStorage.open(twin, CacheMode.WRITEBACK, false)) {
            Random random = new Random(10);
            for (int i = 0; i < 12; i++) {
                byte[] data = Disks.pattern(random, 1 << 20);
                long offset = (long) random.nextInt(23) << 20;
                Disks.write(disk, offset, data);
                Disks.write(raw, offset, data);
            }
        }
        Qcow2Header after = Qcow2Header.read(image);
        assertThat(after.refcountTableOffset()).as("the refcount table moved").isNotEqualTo(tableBefore);
        assertThat(after.refcountTableClusters()).isGreaterThan(1);
        assertClean(image);
        assertEqualContents(image, twin);
    }

    @Test
    void concurrentWritersOnDisjointRangesLeaveAConsistentImage() throws Exception {
        Path image = dir.resolve("concurrent.qcow2");
        Qcow2Creator.create(image, 16 << 20, Qcow2CreateOptions.DEFAULTS.withClusterSize(4096));
        Path twin = twinOf(image);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false);
                Storage raw = RawStorage.open(twin, CacheMode.WRITEBACK, false)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    Random random = new Random(thread);
                    long base = (long) thread << 22;
                    for (int i = 0; i < 60; i++) {
                        int length = 512 * random.nextInt(1, 64);
                        long offset = base + 512L * random.nextInt(((4 << 20) - length) / 512);
                        byte[] data = Disks.pattern(random, length);
                        if (random.nextInt(6) == 0) {
                            disk.discard(offset, length);
                            raw.writeZeroes(offset, length, true);
                        } else {
                            Disks.write(disk, offset, data);
                            Disks.write(raw, offset, data);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            TwinScenario.assertSameContents(disk, raw);
        }
        assertClean(image);
        assertEqualContents(image, twin);
    }

    @Test
    void discardFreesClustersThatLaterWritesReuse() throws Exception {
        Path image = dir.resolve("discard.qcow2");
        Qcow2Creator.create(image, 16 << 20, Qcow2CreateOptions.DEFAULTS);
        byte[] data = Disks.pattern(new Random(11), 4 << 20);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false)) {
            Disks.write(disk, 0, data);
        }
        long grown = Files.size(image);
        long allocatedFull = allocatedBytes(image);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false)) {
            disk.discard(0, 4 << 20);
            assertThat(Disks.read(disk, 0, 4 << 20)).containsOnly((byte) 0);
        }
        assertClean(image);
        assertThat(allocatedBytes(image)).as("the discarded clusters' blocks were released")
                .isLessThan(allocatedFull - (3 << 20));
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false)) {
            Disks.write(disk, 8 << 20, data);
        }
        assertThat(Files.size(image)).as("new data went into the freed clusters").isEqualTo(grown);
        assertClean(image);
    }

    @Test
    void qemuReadsWhatJvirtioWroteOverItsBackingFile() throws Exception {
        Path base = dir.resolve("base.qcow2");
        QemuTools.img("create", "-f", "qcow2", base.toString(), "4M");
        QemuTools.io(base, "qcow2", "write -P 0x77 0 4M");
        Path overlay = dir.resolve("overlay.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", overlay.toString());
        try (Storage disk = Qcow2Storage.open(overlay, CacheMode.WRITEBACK, false)) {
            Disks.write(disk, 4096 + 512, new byte[] {1, 2, 3});
        }
        // Byte-exact: qemu-io verifies the pattern around the copied-up cluster.
        QemuTools.io(overlay, "qcow2", "read -P 0x77 0 4608", "read -P 0x77 4611 61k", "read -P 0x77 64k 1M");
        assertClean(overlay);
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static long allocatedBytes(Path file) throws IOException, InterruptedException {
        String out = QemuTools.run("stat", "--format=%b %B", file.toString()).output().strip();
        String[] fields = out.split(" ");
        return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
    }

    static void patch(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }
}
