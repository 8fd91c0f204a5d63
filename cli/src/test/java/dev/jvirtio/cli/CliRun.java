package dev.jvirtio.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One run of a {@code jvirtio} command in this JVM: its exit code and what it printed to standard
 * output and standard error.
 */
public record CliRun(int exitCode, String out, String err) {

    /** Runs the whole {@code jvirtio} command line as a user does, one-line errors included. */
    public static CliRun jvirtio(String... args) {
        return execute(Main.commandLine(), args);
    }

    /** Runs {@code command} (a picocli command object) on its own with {@code args}. */
    public static CliRun run(Object command, String... args) {
        return execute(new CommandLine(command), args);
    }

    private static CliRun execute(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
