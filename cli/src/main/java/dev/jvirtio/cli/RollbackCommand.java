package dev.jvirtio.cli;

import dev.jvirtio.tune.apply.ApplyException;
import dev.jvirtio.tune.apply.JournalException;
import dev.jvirtio.tune.apply.Rollback;
import dev.jvirtio.tune.apply.RollbackResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio rollback [TXN]}: undoes a transaction (the newest by default) from its journal,
 * files byte for byte. Exit code 0 when nothing of it is left in place, 1 when it refused (a target
 * changed since) or could not undo everything, 2 on a usage error (no such transaction, a damaged
 * journal).
 */
@Command(name = "rollback", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Undo a transaction of 'jvirtio apply' (the newest by default).", "",
                "Refuses when a target changed since the transaction, unless --force.",
                "Exit code: 0 rolled back, 1 refused or incomplete, 2 usage error or damaged journal."})
public final class RollbackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--root", paramLabel = "DIR", description = "The machine's files under DIR (default /).")
    Path root;

    @Option(names = "--force", description = "Restore targets that changed since the transaction, too.")
    boolean force;

    @Parameters(arity = "0..1", paramLabel = "TXN", description = "The transaction ('jvirtio history' lists them).")
    String transaction;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (root != null && !Files.isDirectory(root)) {
            return PlanCommand.usage(spec, "rollback", "The root directory " + root
                    + " does not exist or is not a directory.");
        }
        Path path = (root == null ? Path.of("/") : root).toAbsolutePath().normalize();
        try {
            RollbackResult result = Rollback.rollback(path, Optional.ofNullable(transaction), force, line -> {
                out.println(line);
                out.flush();
            });
            if (result.succeeded()) {
                out.println(result.message());
                out.flush();
                return 0;
            }
            err.println("jvirtio rollback: " + result.message());
            err.flush();
            return 1;
        } catch (JournalException e) {
            return PlanCommand.usage(spec, "rollback", e.getMessage() + " Nothing was changed.");
        } catch (ApplyException e) {
            if (e.getMessage().startsWith("There is no transaction")) {
                return PlanCommand.usage(spec, "rollback", e.getMessage());
            }
            err.println("jvirtio rollback: " + e.getMessage());
            err.flush();
            return 1;
        }
    }
}
