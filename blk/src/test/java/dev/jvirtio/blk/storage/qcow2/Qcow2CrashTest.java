package dev.jvirtio.blk.storage.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RealDiskTempDir;
import dev.jvirtio.blk.storage.Storage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A process writing a qcow2 image is killed with SIGKILL in the middle of its requests, again and
 * again: {@code qemu-img check} may find leaked clusters, never a corruption, and the image keeps
 * working.
 */
class Qcow2CrashTest {

    private static final int ROUNDS = 3;

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require();
    }

    @ParameterizedTest
    @EnumSource(value = CacheMode.class, names = {"WRITEBACK", "NONE"})
    void killingTheWriterLeavesLeaksAtMostNeverCorruption(CacheMode mode) throws Exception {
        Path image = dir.resolve("crash-" + mode + ".qcow2");
        // 4 KiB clusters and 16-bit refcounts: writes keep allocating L2 tables and refcount blocks.
        Qcow2Creator.create(image, 96L << 20, Qcow2CreateOptions.DEFAULTS.withClusterSize(4096));
        Random random = new Random(mode.ordinal());
        for (int round = 0; round < ROUNDS; round++) {
            int requests = 20 + random.nextInt(130);
            Process writer = startWriter(image, random.nextLong(), mode);
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int seen = 0;
                while (seen < requests && (line = out.readLine()) != null) {
                    if (line.startsWith("done")) {
                        seen++;
                    }
                }
                assertThat(seen).as("requests the writer completed before the kill (round %d)", round)
                        .isEqualTo(requests);
                // SIGKILL while the writer is in the middle of its next requests.
                writer.destroyForcibly();
            } finally {
                writer.destroyForcibly();
                assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            QemuTools.Result check = QemuTools.check(image);
            assertThat(check.exit()).as("qemu-img check after kill %d:%n%s", round, check.output()).isIn(0, 3);
            assertThat(check.output()).doesNotContain("ERROR");
            assertThat(Qcow2Check.check(image).corruptions()).isZero();
        }
        // The image is still good for writing, and what was written reads back.
        try (Storage disk = Qcow2Storage.open(image, mode, false)) {
            byte[] data = Disks.pattern(random, 1 << 20);
            Disks.write(disk, 5L << 20, data);
            assertThat(Disks.read(disk, 5L << 20, 1 << 20)).isEqualTo(data);
        }
        assertThat(QemuTools.check(image).exit()).isIn(0, 3);
    }

    private static Process startWriter(Path image, long seed, CacheMode mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Qcow2CrashWriter.class.getName(), image.toString(),
                Long.toString(seed), mode.qemuName());
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
