package dev.jvirtio.cli;

import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.plan.Plan;
import dev.jvirtio.tune.plan.PlanException;
import dev.jvirtio.tune.plan.PlanOptions;
import dev.jvirtio.tune.plan.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What {@code jvirtio plan} and {@code jvirtio apply} plan from: the root, the guests, the requests. */
public final class PlanArguments {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--root", paramLabel = "DIR", description = "The machine's files under DIR (default /).")
    Path root;

    @Option(names = "--domain-xml", paramLabel = "FILE|DIR",
            description = "A libvirt domain XML file, or a directory of them, to tune in place (repeatable).")
    List<Path> domainXml = new ArrayList<>();

    @Option(names = "--connect", paramLabel = "URI",
            description = "Tune the domains of this libvirt URI (e.g. qemu:///system) by defining their new XML.")
    List<String> connect = new ArrayList<>();

    @Option(names = "--reserve", paramLabel = "CPUS", defaultValue = "0",
            description = "Host CPUs kept for the host: no vCPU, emulator thread or IOThread is pinned there "
                    + "(default: ${DEFAULT-VALUE}).")
    String reserve;

    @Option(names = "--cpu-share", paramLabel = "GUEST=CPUS",
            description = "Limit a guest to this many CPUs' worth of time (CFS bandwidth), e.g. web=1.5 (repeatable).")
    Map<String, Double> cpuShares = new LinkedHashMap<>();

    @Option(names = "--hugepages", description = "Back libvirt guests of 4 GiB or more with hugetlbfs pages and size "
            + "the pools.")
    boolean hugepages;

    /** The root directory, absolute; {@code /} when not given. */
    Path rootPath() {
        return (root == null ? Path.of("/") : root).toAbsolutePath().normalize();
    }

    /**
     * The plan these arguments ask for.
     *
     * @throws UsageError for a missing root, a bad CPU list, an impossible share, an unreadable
     *                    configuration or a libvirt URI that does not answer
     */
    Plan plan() {
        if (root != null && !Files.isDirectory(root)) {
            throw new UsageError("The root directory " + root + " does not exist or is not a directory.");
        }
        CpuSet reserved;
        try {
            reserved = CpuSet.parse(reserve);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--reserve " + reserve + " is " + e.getMessage() + "; give CPUs such as 0 or 0-1,8-9.");
        }
        try {
            FactRoot facts = root == null ? FactRoot.live() : FactRoot.of(root);
            return Planner.plan(facts, domainXml, connect, new PlanOptions(reserved, cpuShares, hugepages));
        } catch (GuestConfigException | PlanException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /**
     * Plans, and hands the plan to {@code action}, whose exit code it returns. A usage error (see
     * {@link #plan()}) is printed instead as one line, {@code jvirtio COMMAND: message}, and gives
     * exit code 2.
     */
    int withPlan(ToIntFunction<Plan> action) {
        Plan plan;
        try {
            plan = plan();
        } catch (UsageError e) {
            return PlanCommand.usage(command, command.name(), e.getMessage());
        }
        return action.applyAsInt(plan);
    }

    /** A usage error: printed as one line, exit code 2. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }
}
