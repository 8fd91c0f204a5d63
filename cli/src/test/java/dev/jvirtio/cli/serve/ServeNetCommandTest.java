package dev.jvirtio.cli.serve;

import static dev.jvirtio.cli.CliRun.jvirtio;
import static dev.jvirtio.cli.serve.ServerProcess.awaitOutput;
import static dev.jvirtio.cli.serve.ServerProcess.java;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.cli.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvirtio serve net} and {@code jvirtio serve switch} as a user meets them: clear errors,
 * the attach snippets, a clean stop. The tap is created inside a network namespace the test makes.
 */
@Timeout(90)
class ServeNetCommandTest {

    @TempDir
    Path dir;

    @Test
    void aBadMacOrTapNameIsOneClearLine() {
        CliRun mac = jvirtio("serve", "net", "--socket", dir.resolve("s.sock").toString(), "--tap", "jvt0", "--mac", "01:02");
        assertThat(mac.exitCode()).isEqualTo(1);
        assertThat(mac.err().strip()).startsWith("jvirtio: ").contains("01:02").doesNotContain("\tat ");
        assertThat(mac.err().strip().lines()).hasSize(1);
        CliRun tap = jvirtio("serve", "net", "--socket", dir.resolve("s.sock").toString(), "--tap", "a-name-far-too-long");
        assertThat(tap.exitCode()).isEqualTo(1);
        assertThat(tap.err().strip()).contains("a-name-far-too-long").doesNotContain("\tat ");
        assertThat(dir.resolve("s.sock")).doesNotExist();
    }

    @Test
    void theSameSocketForTwoPortsIsOneClearLine() {
        String s = dir.resolve("s.sock").toString();
        CliRun o = jvirtio("serve", "switch", "--port", s, "--port", s);
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err().strip().lines()).hasSize(1);
    }

    private static String exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }

    @Test
    void serveSwitchPrintsSnippetsForEachPortAndStopsCleanlyOnSigterm() throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        Path log = dir.resolve("switch.log");
        Process server = new ProcessBuilder(java("serve", "switch", "--port", a.toString(), "--port", b.toString(),
                "--queues", "2")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String printed = awaitOutput(server, log, "port 1 libvirt:");
            awaitOutput(server, log, "vectors=0");
            assertThat(printed).contains("-netdev vhost-user,id=jvnet0,chardev=jvnet0,queues=2")
                    .contains("path=" + b.toAbsolutePath()).contains("virtio-net-pci,netdev=jvnet1").contains(",mq=on");
            assertThat(Files.readString(log)).contains("<interface type='vhostuser'>").contains("<driver queues='2'/>");
            assertThat(a).exists();
            assertThat(b).exists();
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            server.destroyForcibly();
        }
        assertThat(server.exitValue()).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("SIGTERM");
        assertThat(a).doesNotExist();
        assertThat(b).doesNotExist();
    }

    @Test
    void serveNetCreatesTheTapInItsNamespaceAndStopsCleanlyOnSigterm() throws Exception {
        String ns = "jvirtio-cli-" + ProcessHandle.current().pid();
        exec("ip", "netns", "add", ns);
        try {
            Path socket = dir.resolve("net.sock");
            Path log = dir.resolve("net.log");
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns));
            command.addAll(java("serve", "net", "--socket", socket.toString(), "--tap", "jvt0", "--queues", "2"));
            Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                String printed = awaitOutput(server, log, "</interface>");
                assertThat(printed).contains("-netdev vhost-user,id=jvnet0,chardev=jvnet0,queues=2")
                        .contains("<source type='unix' path='" + socket.toAbsolutePath() + "' mode='client'/>");
                assertThat(exec("ip", "-n", ns, "-d", "link", "show", "jvt0")).as("the tap, inside the namespace")
                        .contains("tun type tap").contains("multi_queue");
                server.destroy();
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                server.destroyForcibly();
            }
            assertThat(server.exitValue()).as(Files.readString(log)).isZero();
            assertThat(socket).doesNotExist();
        } finally {
            exec("ip", "netns", "delete", ns);
        }
    }
}
