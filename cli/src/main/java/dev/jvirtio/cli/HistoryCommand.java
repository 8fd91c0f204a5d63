package dev.jvirtio.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.apply.TransactionStore;
import dev.jvirtio.tune.apply.TransactionSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio history}: the transactions of {@code jvirtio apply}, oldest first, with when they
 * began, how many changes they journaled, the rules those fix, and their state. Exit code 0, or 2
 * on a usage error.
 */
@Command(name = "history", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List the transactions of 'jvirtio apply': id, time, changes, state (applied, failed,",
                "rolled-back, incomplete).", "Exit code: 0, or 2 on a usage error."})
public final class HistoryCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Option(names = "--root", paramLabel = "DIR", description = "The machine's files under DIR (default /).")
    Path root;

    @Option(names = "--json", description = "Print the transactions as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (root != null && !Files.isDirectory(root)) {
            return PlanCommand.usage(spec, "history", "The root directory " + root
                    + " does not exist or is not a directory.");
        }
        TransactionStore store = TransactionStore.at(root == null ? Path.of("/") : root);
        List<TransactionSummary> transactions;
        try {
            transactions = store.list();
        } catch (IOException e) {
            return PlanCommand.usage(spec, "history", "Cannot list " + store.directory() + ": " + e.getMessage() + ".");
        }
        if (json) {
            out.print(json(store, transactions));
        } else if (transactions.isEmpty()) {
            out.println("No transactions under " + store.directory() + ".");
        } else {
            out.printf(Locale.ROOT, "%-24s %-21s %7s  %-13s %s%n", "TRANSACTION", "BEGAN", "CHANGES", "STATE", "RULES");
            for (TransactionSummary t : transactions) {
                out.printf(Locale.ROOT, "%-24s %-21s %7d  %-13s %s%n", t.id(),
                        t.time() == null ? "?" : TIME.format(t.time()), t.changes(), t.state(), String.join(", ", t.rules()));
            }
        }
        out.flush();
        return 0;
    }

    private static String json(TransactionStore store, List<TransactionSummary> transactions) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("version", 1);
        root.put("root", store.root().toString());
        ArrayNode list = root.putArray("transactions");
        for (TransactionSummary t : transactions) {
            ObjectNode node = list.addObject();
            node.put("id", t.id());
            node.put("time", t.time() == null ? "" : t.time().toString());
            node.put("changes", t.changes());
            node.put("state", t.state());
            ArrayNode rules = node.putArray("rules");
            t.rules().forEach(rules::add);
        }
        try {
            return mapper.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings could not be written as JSON", e);
        }
    }
}
