package dev.jvirtio.blk.storage.qcow2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * QEMU's own image tools ({@code qemu-img}, {@code qemu-io}; Debian package qemu-utils) as the
 * independent peer: they make images for jvirtio to read and judge the images jvirtio writes. A
 * test that needs them fails under CI when they are missing, and is skipped with a message on
 * standard error elsewhere.
 */
public final class QemuTools {

    private QemuTools() {
    }

    /** Makes sure qemu-img and qemu-io are installed. */
    public static void require() {
        require("qcow2 interop tests");
    }

    /** Makes sure qemu-img and qemu-io are installed; {@code tests} names the tests that need them, for the message. */
    public static void require(String tests) {
        for (String tool : new String[] {"qemu-img", "qemu-io"}) {
            if (!onPath(tool)) {
                String why = tool + " is not installed: install the Debian package qemu-utils to run the " + tests;
                if (System.getenv("CI") != null) {
                    Assertions.fail(why);
                }
                System.err.println("SKIPPED: " + why);
                Assumptions.abort(why);
            }
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code qemu-img ARGS} and returns its output; fails the test if it exits with an error. */
    public static String img(String... args) throws IOException, InterruptedException {
        Result result = run("qemu-img", args);
        if (result.exit != 0) {
            throw new AssertionError("qemu-img " + String.join(" ", args) + " exited " + result.exit + ": " + result.output);
        }
        return result.output;
    }

    /** Runs {@code qemu-io -f FORMAT IMAGE -c C1 -c C2 ...}; fails the test if it reports an error. */
    public static void io(Path image, String format, String... commands) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-f", format, image.toString()));
        for (String command : commands) {
            args.add("-c");
            args.add(command);
        }
        Result result = run("qemu-io", args.toArray(String[]::new));
        if (result.exit != 0 || result.output.contains("error") || result.output.contains("failed")) {
            throw new AssertionError("qemu-io " + String.join(" ", args) + " failed: " + result.output);
        }
    }

    /** {@code qemu-img check}'s exit code and report: 0 clean, 2 corruptions, 3 leaks only. */
    public static Result check(Path image) throws IOException, InterruptedException {
        return run("qemu-img", "check", image.toString());
    }

    /** Whether {@code qemu-img compare} finds the two images' guest-visible contents equal. */
    public static Result compare(Path a, Path b) throws IOException, InterruptedException {
        return run("qemu-img", "compare", a.toString(), b.toString());
    }

    /** The guest-visible contents of an image as a raw file made by {@code qemu-img convert}. */
    public static Path toRaw(Path image, Path raw) throws IOException, InterruptedException {
        img("convert", "-O", "raw", image.toString(), raw.toString());
        return raw;
    }

    /** Runs a command and returns its exit code and combined output. */
    public static Result run(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(program);
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        return new Result(process.exitValue(), output);
    }

    /** A finished command. */
    public record Result(int exit, String output) {
    }
}
