package dev.jvirtio.cli.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jvirtio bench}: performance measurements of back-ends; the work is in its subcommands. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures vhost-user back-ends side by side with jvirtio's own front-end driver.",
        subcommands = {BenchBlkCommand.class, BenchCompareCommand.class, BenchNetCommand.class})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Without a subcommand: prints the usage and exits 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("jvirtio bench: name a benchmark, blk or compare");
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
