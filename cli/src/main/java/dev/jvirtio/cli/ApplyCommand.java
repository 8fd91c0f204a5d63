package dev.jvirtio.cli;

import dev.jvirtio.tune.apply.Applier;
import dev.jvirtio.tune.apply.ApplyException;
import dev.jvirtio.tune.apply.ApplyResult;
import dev.jvirtio.tune.plan.Change;
import dev.jvirtio.tune.plan.Plan;
import dev.jvirtio.tune.plan.PlanReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio apply}: plans, then (with {@code --yes}) makes the changes as one journaled
 * transaction that {@code jvirtio rollback} undoes. Without {@code --yes} it is a dry run. Exit code
 * 0 when every change is in place (or nothing was asked), 1 when a change failed (the others were
 * undone), 2 on a usage error.
 */
@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make the planned changes, journaled so that 'jvirtio rollback' can undo them.", "",
                "A dry run unless --yes is given. A change that fails stops the apply and undoes the others.",
                "Exit code: 0 applied (or nothing to change), 1 a change failed and was undone, 2 usage error."})
public final class ApplyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    PlanArguments arguments;

    @Option(names = "--yes", description = "Make the changes (otherwise only show them).")
    boolean yes;

    @Override
    public Integer call() {
        return arguments.withPlan(this::apply);
    }

    private int apply(Plan plan) {
        PrintWriter out = spec.commandLine().getOut();
        int count = plan.applicable().size();
        if (!yes) {
            out.print(PlanReport.text(plan));
            out.println();
            out.println(count == 0 ? "Dry run: nothing to change." : "Dry run: nothing was changed. Run again with "
                    + "--yes to make " + (count == 1 ? "this change." : "these " + count + " changes."));
            out.flush();
            return 0;
        }
        if (count == 0) {
            out.println("Nothing to change: " + plan.root() + " and its guests already follow the plan.");
            suggestions(out, plan);
            out.flush();
            return 0;
        }
        out.println("jvirtio apply to " + plan.root());
        ApplyResult result;
        try {
            result = Applier.apply(plan, arguments.rootPath(), line -> {
                out.println(line);
                out.flush();
            });
        } catch (ApplyException e) {
            spec.commandLine().getErr().println("jvirtio apply: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        String id = result.transaction().orElse("");
        String rollback = "jvirtio rollback" + (arguments.root == null ? "" : " --root " + arguments.rootPath()) + " " + id;
        if (result.succeeded()) {
            out.println("Applied " + result.made() + " change" + (result.made() == 1 ? "" : "s") + (result.inPlace() > 0
                    ? " (" + result.inPlace() + " already in place)" : "") + " as transaction " + id
                    + "; undo with: " + rollback);
            suggestions(out, plan);
            plan.notes().forEach(note -> out.println("Note: " + note));
            out.flush();
            return 0;
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println("jvirtio apply: failed at " + result.failure() + ".");
        err.println(switch (result.state()) {
            case FAILED -> "The changes made before it were undone: nothing of transaction " + id + " is left in place.";
            default -> "Undoing the changes made before it failed too; transaction " + id + " lists what is left: "
                    + rollback;
        });
        err.flush();
        return 1;
    }

    private static void suggestions(PrintWriter out, Plan plan) {
        for (Change change : plan.suggestions()) {
            out.println("For the next boot, add to the kernel command line (" + change.rule() + "): " + change.to());
        }
    }
}
