package dev.jvirtio.blk.storage.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.blk.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random sequences of writes, write-zeroes and discards on a qcow2 image and on a raw twin: the
 * two always read the same, and the qcow2 image stays consistent, for every cluster size, both
 * versions, with and without a backing file.
 */
class Qcow2Properties {

    private static final long SIZE = 3L << 20;
    private static Path dir;

    @BeforeContainer
    static void directory() throws Exception {
        QemuTools.require();
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "jvirtio-qcow2-properties-");
    }

    @AfterContainer
    static void cleanUp() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Property(tries = 30)
    void aQcow2DiskReadsLikeItsRawTwin(@ForAll long seed, @ForAll @IntRange(min = 0, max = 2) int clusterChoice,
            @ForAll boolean version2, @ForAll boolean withBacking) throws Exception {
        Random random = new Random(seed);
        int clusterSize = new int[] {512, 4096, 65536}[clusterChoice];
        String name = Long.toHexString(seed) + "-" + clusterSize + (version2 ? "-v2" : "-v3") + (withBacking ? "-b" : "");
        Path image = dir.resolve(name + ".qcow2");
        Path twin = dir.resolve(name + ".raw");
        Path base = dir.resolve(name + ".base.raw");
        try {
            byte[] initial = new byte[(int) SIZE];
            Qcow2CreateOptions options = Qcow2CreateOptions.DEFAULTS.withClusterSize(clusterSize)
                    .withVersion(version2 ? 2 : 3);
            if (withBacking) {
                // The base is shorter than the disk: past its end the disk reads zeroes.
                byte[] baseBytes = Disks.pattern(random, (int) SIZE - 512 * 1024);
                Files.write(base, baseBytes);
                System.arraycopy(baseBytes, 0, initial, 0, baseBytes.length);
                options = options.withBacking(base.getFileName().toString(), "raw");
            }
            Qcow2Creator.create(image, SIZE, options);
            Files.write(twin, initial);
            try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false, Qcow2Options.DEFAULTS
                    .withL2CacheBytes(2L * clusterSize));
                    Storage raw = RawStorage.open(twin, CacheMode.WRITEBACK, false)) {
                TwinScenario.run(disk, raw, random, 30, 128 * 1024);
                TwinScenario.assertSameContents(disk, raw);
            }
            Qcow2CheckResult check = Qcow2Check.check(image);
            assertThat(check.exitCode()).as("check: %s", check.problems()).isZero();
            if (withBacking) {
                assertThat(Files.size(base)).isEqualTo(SIZE - 512 * 1024);
            }
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(twin);
            Files.deleteIfExists(base);
        }
    }

    @Property(tries = 6)
    void qemuAgreesWithTheTwinAfterARandomSequence(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        Path image = dir.resolve("qemu-" + Long.toHexString(seed) + ".qcow2");
        Path twin = dir.resolve("qemu-" + Long.toHexString(seed) + ".raw");
        try {
            Qcow2Creator.create(image, SIZE, Qcow2CreateOptions.DEFAULTS.withClusterSize(4096));
            Files.write(twin, new byte[(int) SIZE]);
            try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false);
                    Storage raw = RawStorage.open(twin, CacheMode.WRITEBACK, false)) {
                TwinScenario.run(disk, raw, random, 40, 128 * 1024);
            }
            Qcow2InteropTest.assertClean(image);
            Qcow2InteropTest.assertEqualContents(image, twin);
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(twin);
        }
    }
}
