package dev.jvirtio.tune.plan;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The changes that bring a machine and its guests in line with the practices, in the order apply
 * makes them (the host's first, then each guest's), with notes on what could not be planned (such
 * as guests that do not fit the host's CPUs).
 *
 * @param root    the root the facts were read from
 * @param changes every change, suggestions included (see {@link Change#applicable()})
 * @param notes   one sentence each
 */
public record Plan(String root, List<Change> changes, List<String> notes) {

    public Plan {
        Objects.requireNonNull(root, "root");
        changes = List.copyOf(changes);
        notes = List.copyOf(notes);
    }

    /** The changes apply makes. */
    public List<Change> applicable() {
        return changes.stream().filter(Change::applicable).toList();
    }

    /** The kernel command-line parameters suggested for the next boot. */
    public List<Change> suggestions() {
        return changes.stream().filter(c -> !c.applicable()).toList();
    }

    /** True when apply has nothing to do. */
    public boolean nothingToApply() {
        return applicable().isEmpty();
    }

    /**
     * The findings the applicable changes fix, as {@code "RULE subject"} ({@code "MEM-SWAP host"},
     * {@code "CPU-PIN web"}).
     */
    public Set<String> targetedFindings() {
        Set<String> targets = new LinkedHashSet<>();
        applicable().forEach(c -> targets.add(c.rule() + " " + c.subject()));
        return targets;
    }
}
