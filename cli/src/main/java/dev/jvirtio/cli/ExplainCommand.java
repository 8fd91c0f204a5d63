package dev.jvirtio.cli;

import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleCatalog;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.UnknownRuleException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio explain ID}: prints the whole explanation of a practice (what the 2020 text said,
 * what is true today, what the audit checks, the fix); {@code jvirtio explain --list} lists the rule
 * IDs. Exit code 0, or 2 for an unknown ID or a missing argument.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain an audit rule: what the original advice said, what is true today, what is checked."})
public final class ExplainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "ID", description = "A rule ID, such as MEM-SWAP.")
    String id;

    @Option(names = "--list", description = "List every rule ID with its area, severity and title.")
    boolean list;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuleCatalog catalog = RuleCatalog.standard();
        if (list) {
            Map<String, RuleInfo> first = new LinkedHashMap<>();
            for (Rule rule : catalog.rules()) {
                first.putIfAbsent(rule.info().id(), rule.info());
            }
            for (String ruleId : catalog.ids()) {
                RuleInfo info = first.get(ruleId);
                out.printf(Locale.ROOT, "%-20s %-7s %-5s %s%n", ruleId, info.area(),
                        info.severity().name().toLowerCase(Locale.ROOT), info.title());
            }
            out.flush();
            return 0;
        }
        if (id == null) {
            err.println("jvirtio explain: give a rule ID (such as MEM-SWAP), or --list to see them all.");
            err.flush();
            return AuditCommand.EXIT_USAGE;
        }
        try {
            out.print(catalog.explain(id));
            out.flush();
            return 0;
        } catch (UnknownRuleException e) {
            err.println("jvirtio explain: " + e.getMessage());
            err.flush();
            return AuditCommand.EXIT_USAGE;
        }
    }
}
