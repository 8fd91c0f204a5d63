package dev.jvirtio.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code jvirtio serve ...} in a process of its own, as a user starts it and stops it with a signal. */
final class ServerProcess {

    private ServerProcess() {
    }

    /** The command line that runs {@code jvirtio ARGS} in a new JVM with this test's class path. */
    static List<String> java(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** The process's output once it contains {@code marker}; fails if the process exits first or 30 s pass. */
    static String awaitOutput(Process process, Path log, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String out = Files.readString(log);
            if (out.contains(marker)) {
                return out;
            }
            assertThat(process.isAlive()).as("server exited early: " + out).isTrue();
            assertThat(System.nanoTime()).as("no " + marker + " within 30 s: " + out).isLessThan(deadline);
            process.waitFor(20, TimeUnit.MILLISECONDS);
        }
    }
}
