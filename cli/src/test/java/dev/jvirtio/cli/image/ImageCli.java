package dev.jvirtio.cli.image;

import dev.jvirtio.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import picocli.CommandLine;

/** Runs {@code jvirtio image ...} as the real command line does, and QEMU's tools as the peer. */
final class ImageCli {

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
    }

    private ImageCli() {
    }

    /** Runs {@code jvirtio ARGS} with the real error handling, output captured. */
    static Run jvirtio(String... args) {
        CommandLine commandLine = Main.commandLine();
        if (!commandLine.getSubcommands().containsKey("image")) {
            commandLine.addSubcommand("image", new ImageCommand());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Makes sure qemu-img and qemu-io (Debian package qemu-utils) are installed. */
    static void requireQemuImg() {
        for (String tool : new String[] {"qemu-img", "qemu-io"}) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                found |= Files.isExecutable(Path.of(dir, tool));
            }
            if (!found) {
                String why = tool + " is not installed: install the Debian package qemu-utils to run the image command tests";
                if (System.getenv("CI") != null) {
                    Assertions.fail(why);
                }
                System.err.println("SKIPPED: " + why);
                Assumptions.abort(why);
            }
        }
    }

    /** Runs a program; returns its exit code and output. */
    static Run run(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(program));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Run(process.exitValue(), output, "");
    }

    /** Runs {@code qemu-img ARGS}; fails unless it exits 0. */
    static String qemuImg(String... args) throws IOException, InterruptedException {
        Run run = run("qemu-img", args);
        if (run.exitCode() != 0) {
            throw new AssertionError("qemu-img " + String.join(" ", args) + ": " + run.out());
        }
        return run.out();
    }

    /** Runs {@code qemu-io -f FORMAT IMAGE -c ...}; fails unless it succeeds. */
    static void qemuIo(Path image, String format, String... commands) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-f", format, image.toString()));
        for (String c : commands) {
            args.add("-c");
            args.add(c);
        }
        Run run = run("qemu-io", args.toArray(String[]::new));
        if (run.exitCode() != 0 || run.out().contains("error")) {
            throw new AssertionError("qemu-io " + args + ": " + run.out());
        }
    }
}
