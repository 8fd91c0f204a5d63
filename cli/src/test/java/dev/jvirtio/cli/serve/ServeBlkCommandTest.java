package dev.jvirtio.cli.serve;

import static dev.jvirtio.cli.CliRun.jvirtio;
import static dev.jvirtio.cli.serve.ServerProcess.awaitOutput;
import static dev.jvirtio.cli.serve.ServerProcess.java;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.cli.CliRun;
import dev.jvirtio.linux.UnixSocket;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvirtio serve blk} as a user meets it: clear errors, the attach snippets, a clean stop. */
@Timeout(60)
class ServeBlkCommandTest {

    @TempDir
    Path dir;

    @Test
    void missingImageIsOneClearLine() {
        Path missing = dir.resolve("nope.raw");
        CliRun o = jvirtio("serve", "blk", "--socket", dir.resolve("s.sock").toString(), "--image", missing.toString());
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err().strip()).startsWith("jvirtio: ").contains(missing.toString()).doesNotContain("\tat ");
        assertThat(o.err().strip().lines()).hasSize(1);
        assertThat(dir.resolve("s.sock")).doesNotExist();
    }

    @Test
    void socketInUseIsOneClearLine() throws Exception {
        Path image = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Path socket = dir.resolve("busy.sock");
        try (UnixSocket other = UnixSocket.listen(socket)) {
            CliRun o = jvirtio("serve", "blk", "--socket", socket.toString(), "--image", image.toString(), "--cache", "writeback");
            assertThat(o.exitCode()).isEqualTo(1);
            assertThat(o.err().strip()).startsWith("jvirtio: ").contains(socket.toString()).doesNotContain("\tat ");
            assertThat(o.err().strip().lines()).hasSize(1);
        }
    }

    @Test
    void unknownCacheModeIsAUsageError() {
        CliRun o = jvirtio("serve", "blk", "--socket", dir.resolve("s.sock").toString(), "--null", "1G", "--cache", "fast");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("fast").doesNotContain("\tat ");
    }

    @Test
    void missingRequiredOptionExitsTwo() {
        assertThat(jvirtio("serve", "blk", "--image", "x").exitCode()).isEqualTo(2);
    }

    /** Cpus_allowed_list of the thread named {@code name} in process {@code pid}, from /proc. */
    private static String cpusAllowed(long pid, String name) throws Exception {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().equals(name)) {
                    return Files.readAllLines(task.resolve("status")).stream()
                            .filter(l -> l.startsWith("Cpus_allowed_list:"))
                            .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElseThrow();
                }
            }
        }
        throw new AssertionError("no thread named " + name + " in process " + pid);
    }

    @Test
    void sigtermFinishesRemovesTheSocketAndExitsZero() throws Exception {
        Path image = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(8 << 20);
        }
        Path socket = dir.resolve("blk.sock");
        List<String> command = java("serve", "blk", "--socket", socket.toString(), "--image", image.toString(),
                "--queues", "2", "--threads", "2", "--cpus", "1");
        Path log = dir.resolve("serve.log");
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String printed = awaitOutput(server, log, "</disk>");
            assertThat(printed).as("attach snippets").contains("vhost-user-blk-pci,chardev=jvirtio0,num-queues=2")
                    .contains("<disk type='vhostuser' device='disk'>").contains("jvirtio-blk0-q0");
            assertThat(socket).exists();
            assertThat(cpusAllowed(server.pid(), "jvirtio-blk0-q0")).as("thread 0 pinned to the only CPU of --cpus").isEqualTo("1");
            assertThat(cpusAllowed(server.pid(), "jvirtio-blk0-q1")).as("thread 1 too").isEqualTo("1");
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            server.destroyForcibly();
        }
        String printed = Files.readString(log);
        assertThat(server.exitValue()).as(printed.toString()).isZero();
        assertThat(printed).contains("SIGTERM");
        assertThat(Files.exists(socket)).as("socket removed").isFalse();
    }
}
