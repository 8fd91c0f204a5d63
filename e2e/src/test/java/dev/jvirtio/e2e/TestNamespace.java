package dev.jvirtio.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test creates ({@code ip netns add}) and deletes on close, so that taps,
 * addresses and traffic stay inside it. Needs root and iproute2.
 */
final class TestNamespace implements AutoCloseable {

    private final String name;

    private TestNamespace(String name) {
        this.name = name;
    }

    static TestNamespace create(String name) throws Exception {
        exec(List.of("ip", "netns", "add", name));
        return new TestNamespace(name);
    }

    String name() {
        return name;
    }

    /** The words that run a command inside the namespace. */
    List<String> prefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Runs a command in the namespace and fails with its output if it fails. */
    void run(String... command) throws Exception {
        List<String> words = new ArrayList<>(prefix());
        words.addAll(List.of(command));
        exec(words);
    }

    /**
     * Starts a command in the namespace.
     *
     * @param input its standard input, or null for a pipe that stays open until the process is stopped
     * @param output where its standard output goes
     */
    Process start(List<String> command, Path input, Path output) throws IOException {
        List<String> words = new ArrayList<>(prefix());
        words.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(words).redirectOutput(output.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(output.resolveSibling(output.getFileName() + ".err").toFile()));
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        return builder.start();
    }

    private static void exec(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 30 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed with status " + p.exitValue() + ": " + out);
        }
    }

    @Override
    public void close() throws Exception {
        exec(List.of("ip", "netns", "delete", name));
    }
}
