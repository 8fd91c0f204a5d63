package dev.jvirtio.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.cli.CliRun;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code jvirtio bench blk} as a user meets it, against real back-ends started for the run. */
@Timeout(120)
class BenchBlkCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Every sector of the first {@code bytes} of {@code image} holds the pattern of {@code seed}. */
    private static void assertPatternInFile(Path image, long bytes, long seed) throws Exception {
        MemorySegment file = MemorySegment.ofArray(Files.readAllBytes(image));
        for (long sector = 0; sector < bytes / PatternCheck.SECTOR; sector++) {
            String problem = PatternCheck.problem(file.asSlice(sector * PatternCheck.SECTOR, PatternCheck.SECTOR), seed, sector);
            assertThat(problem).as("sector %d of the image", sector).isNull();
        }
    }

    @ParameterizedTest(name = "target {0}")
    @ValueSource(strings = {"qsd", "jvirtio"})
    void verifiedPatternLandsInTheImage(String target) throws Exception {
        BenchRun.requireQsd();
        Path image = BenchRun.image(dir, 16 << 20);
        CliRun run = BenchRun.of("blk", "--target", target, "--image", image.toString(), "--cache", "none",
                "--rw", "randrw:50", "--bs", "4k", "--qd", "4", "--time", "0.3", "--warmup", "0", "--verify",
                "--verify-size", "1M", "--seed", "99", "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("verify: 1048576 bytes read back intact");
        assertPatternInFile(image, 1 << 20, 99);
    }

    @Test
    void jsonCarriesTheFiguresOfTheRun() throws Exception {
        BenchRun.requireQsd();
        CliRun run = BenchRun.of("blk", "--target", "qsd", "--null", "--size", "64M", "--rw", "randread", "--bs", "4k",
                "--qd", "8", "--time", "0.5", "--warmup", "0.2", "--json", "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().strip().lines()).as("one JSON object").hasSize(1);
        JsonNode o = JSON.readTree(run.out());
        assertThat(o.get("ops").asLong()).isPositive();
        assertThat(o.get("iops").asDouble()).isCloseTo(o.get("ops").asDouble() / o.get("seconds").asDouble(),
                org.assertj.core.data.Offset.offset(1e-6));
        assertThat(o.get("mib_per_s").asDouble()).isCloseTo(o.get("iops").asDouble() * 4096 / (1 << 20),
                org.assertj.core.data.Offset.offset(1e-6));
        JsonNode lat = o.get("lat_us");
        assertThat(lat.get("min").asDouble()).isPositive().isLessThanOrEqualTo(lat.get("p50").asDouble());
        assertThat(lat.get("p50").asDouble()).isLessThanOrEqualTo(lat.get("p99").asDouble());
        assertThat(lat.get("p99").asDouble()).isLessThanOrEqualTo(lat.get("p999").asDouble());
        assertThat(lat.get("p999").asDouble()).isLessThanOrEqualTo(lat.get("max").asDouble());
        assertThat(o.get("backend_cpu_s").isNumber()).as("the back-end's CPU time is known").isTrue();
        assertThat(o.get("backend_cpu_s").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(o.get("reads").asLong()).isEqualTo(o.get("ops").asLong());
    }

    @Test
    void badSocketPathIsOneClearLine() {
        Path socket = dir.resolve("nobody.sock");
        CliRun run = BenchRun.of("blk", "--target", "socket:" + socket, "--time", "1", "--quiet");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err().strip()).isEqualTo("jvirtio bench blk: no vhost-user socket at " + socket
                + ": the path does not exist; start the back-end first or check the path");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void missingImageIsOneClearLine() {
        Path missing = dir.resolve("missing.img");
        CliRun run = BenchRun.of("blk", "--target", "qsd", "--image", missing.toString(), "--quiet");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("jvirtio bench blk: the image " + missing
                + " does not exist; create it with qemu-img create -f raw " + missing + " 1G");
    }

    @Test
    void verifyFailsWhenTheDeviceDoesNotKeepData() throws Exception {
        BenchRun.requireQsd();
        // A null device served on a socket: the benchmark cannot know it keeps nothing, and --verify must say so.
        try (BackendProcess nullDisk = BackendProcess.start(new Target(Target.Kind.QSD, null),
                Disk.nullDevice(16 << 20, "writeback"), 1, java.util.List.of())) {
            CliRun run = BenchRun.of("blk", "--target", "socket:" + nullDisk.socket(), "--time", "0.2", "--warmup", "0",
                    "--qd", "4", "--verify", "--verify-size", "1M", "--quiet");
            assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
            assertThat(run.out()).contains("verify failed: ").contains(" sectors are wrong; first: sector 0 ");
        }
    }

    @Test
    void usageErrorsExitWithTwo() {
        CliRun verifyNull = BenchRun.of("blk", "--target", "qsd", "--null", "--verify");
        assertThat(verifyNull.exitCode()).isEqualTo(2);
        assertThat(verifyNull.err()).contains("--verify needs an --image: a null device keeps no data");

        CliRun badPattern = BenchRun.of("blk", "--target", "qsd", "--null", "--rw", "sideways");
        assertThat(badPattern.exitCode()).isEqualTo(2);
        assertThat(badPattern.err()).contains("'sideways' is not an access pattern");

        CliRun noDisk = BenchRun.of("blk", "--target", "jvirtio");
        assertThat(noDisk.exitCode()).isEqualTo(2);
        assertThat(noDisk.err()).contains("--target jvirtio needs --image FILE or --null");
    }
}
