package dev.jvirtio.cli;

import dev.jvirtio.cli.bench.BenchCommand;
import dev.jvirtio.cli.image.ImageCommand;
import dev.jvirtio.cli.serve.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jvirtio} command. Exit codes: 0 success, 1 findings or failed checks or a clear
 * runtime error, 2 usage errors.
 */
@Command(name = "jvirtio", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "virtio back-ends for KVM guests over vhost-user, a front-end to drive and measure them, "
                + "and a tuner that audits KVM hosts and guests.",
        subcommands = {ServeCommand.class, DemoCommand.class, BenchCommand.class, ImageCommand.class,
                AuditCommand.class, ExplainCommand.class, PlanCommand.class, ApplyCommand.class, RollbackCommand.class,
                HistoryCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %5$s%6$s%n");
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and for {@link #main}). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line: clear one-line errors for what users can meet. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new UserErrorHandler());
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
