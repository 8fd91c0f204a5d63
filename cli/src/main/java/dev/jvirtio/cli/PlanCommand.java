package dev.jvirtio.cli;

import dev.jvirtio.tune.plan.PlanReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio plan}: the changes that would bring the machine and its guests in line with the
 * practices, as a readable diff (or JSON). Changes nothing. Exit code 0 when there is nothing to
 * change, 1 when there is, 2 on a usage error.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the changes that fix the audit's findings: files, kernel settings, domain XML.", "",
                "Each change names the rule it fixes, its target, and before -> after. Nothing is changed;",
                "'jvirtio apply --yes' makes the changes. Exit code: 0 nothing to change, 1 changes planned, 2 usage error."})
public final class PlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    PlanArguments arguments;

    @Option(names = "--json", description = "Print the plan as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        return arguments.withPlan(plan -> {
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? PlanReport.json(plan) : PlanReport.text(plan));
            out.flush();
            return plan.nothingToApply() ? 0 : 1;
        });
    }

    /** Prints {@code message} as {@code jvirtio COMMAND: message} and returns the usage exit code. */
    static int usage(CommandSpec spec, String command, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("jvirtio " + command + ": " + message);
        err.flush();
        return AuditCommand.EXIT_USAGE;
    }
}
