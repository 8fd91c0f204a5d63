package dev.jvirtio.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Standard tools (coreutils, util-linux) run as oracles independent of the code under test. Shared
 * with other modules' tests through this module's test jar.
 */
public final class Commands {

    private Commands() {
    }

    /** The bytes allocated to {@code file} ({@code stat -c %b} blocks of {@code %B} bytes). */
    public static long allocatedBytes(Path file) throws IOException, InterruptedException {
        String[] fields = run("stat", "--format=%b %B", file.toString()).strip().split(" ");
        return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
    }

    /** Runs a command and returns its standard output; fails if it exits with an error. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
