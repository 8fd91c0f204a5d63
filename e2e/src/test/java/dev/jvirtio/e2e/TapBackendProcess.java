package dev.jvirtio.e2e;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@link TapBackend} running as a child JVM inside a {@link TestNamespace}. */
final class TapBackendProcess implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final Path log;

    private TapBackendProcess(Process process, Path log) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.log = log;
    }

    /** Starts the back-end and returns once it listens on {@code socket} (it says so on its output). */
    static TapBackendProcess start(TestNamespace ns, Path socket, String tap, int pairs, Path log) throws Exception {
        return start(ns, socket, tap, pairs, false, log);
    }

    /** Like {@link #start(TestNamespace, Path, String, int, Path)}, on a switch with the tap as uplink if {@code uplink}. */
    static TapBackendProcess start(TestNamespace ns, Path socket, String tap, int pairs, boolean uplink, Path log)
            throws Exception {
        List<String> command = new ArrayList<>(ns.prefix());
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                TapBackend.class.getName(), socket.toString(), tap, Integer.toString(pairs)));
        if (uplink) {
            command.add("switch-uplink");
        }
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        TapBackendProcess backend = new TapBackendProcess(p, log);
        String first = backend.out.readLine();
        if (first == null || !first.startsWith("ready")) {
            p.destroyForcibly();
            throw new AssertionError("the tap back-end did not start (" + first + "): " + Files.readString(log));
        }
        return backend;
    }

    /** Closes the back-end's input so it stops, and returns the counters it printed. */
    Map<String, Long> finish() throws Exception {
        process.getOutputStream().close();
        Map<String, Long> counters = new HashMap<>();
        String line;
        while ((line = out.readLine()) != null) {
            String[] words = line.split(" ");
            if (words.length == 2 && words[1].matches("\\d+")) {
                counters.put(words[0], Long.parseLong(words[1]));
            }
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the tap back-end did not stop: " + Files.readString(log));
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("the tap back-end failed with status " + process.exitValue() + ": " + Files.readString(log));
        }
        return counters;
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }
}
