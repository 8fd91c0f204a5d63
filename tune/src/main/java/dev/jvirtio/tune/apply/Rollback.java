package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.guest.GuestConfigException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Undoes a transaction from its journal alone: every change it made, newest first, files byte for
 * byte (files it created are removed, with the directories made for them), settings to their old
 * values, domains to their old definitions.
 *
 * <p>Before touching anything it checks that each target still holds what the transaction left
 * there; a target changed since (by a person, or a later transaction) makes it refuse, unless
 * forced. A journal that cannot be trusted makes it refuse too, with nothing changed.
 */
public final class Rollback {

    private Rollback() {
    }

    /**
     * Rolls back transaction {@code id}, or the newest one when empty.
     *
     * @param force restore targets changed since the transaction, too
     * @param log   receives one line per change undone or not
     * @throws ApplyException   when there is no such transaction, another run holds the lock, or a
     *                          target changed since (and not {@code force})
     * @throws JournalException when the journal cannot be trusted; nothing was changed
     */
    public static RollbackResult rollback(Path root, Optional<String> id, boolean force, Consumer<String> log)
            throws ApplyException, JournalException {
        TransactionStore store = TransactionStore.at(root);
        String txn;
        try {
            txn = id.isPresent() ? id.get() : store.last().orElseThrow(() -> new ApplyException(
                    "There is no transaction under " + store.directory() + " to roll back."));
        } catch (IOException e) {
            throw new ApplyException("Cannot list " + store.directory() + ": " + AtomicFile.reason(e) + ".", e);
        }
        store.read(txn);
        try (TransactionStore.Lock lock = store.lock(); StepEnvironment env = new StepEnvironment(store.root())) {
            TransactionLog journal = store.read(txn);
            if (journal.state == TransactionState.ROLLED_BACK) {
                return new RollbackResult(txn, journal.state, 0, "Transaction " + txn + " was already rolled back.");
            }
            if (journal.state == TransactionState.FAILED) {
                return new RollbackResult(txn, journal.state, 0, "Transaction " + txn
                        + " failed and was undone when it failed; there is nothing to roll back.");
            }
            List<TransactionLog.Entry> pending = journal.entries.values().stream()
                    .filter(e -> e.status != TransactionLog.Status.UNDONE).toList();
            try {
                check(txn, pending, force, env);
                return undo(store, journal, pending, env, log);
            } catch (IOException | GuestConfigException e) {
                throw new ApplyException("Rolling back transaction " + txn + " failed: " + Applier.sentence(
                        e.getMessage()) + ".", e);
            }
        }
    }

    /** Refuses when the newest change to some target no longer holds what the transaction left. */
    private static void check(String txn, List<TransactionLog.Entry> pending, boolean force, StepEnvironment env)
            throws IOException, GuestConfigException, ApplyException {
        Map<String, TransactionLog.Entry> newest = new HashMap<>();
        for (TransactionLog.Entry entry : pending) {
            newest.put(entry.step.target(), entry);
        }
        List<String> changed = new ArrayList<>();
        for (TransactionLog.Entry entry : newest.values()) {
            StepState state = entry.step.state(env);
            if (state == StepState.OTHER) {
                changed.add(entry.step.target());
            }
        }
        if (!changed.isEmpty() && !force) {
            changed.sort(null);
            throw new ApplyException("Refusing to roll back transaction " + txn + ": " + String.join(", ", changed)
                    + (changed.size() == 1 ? " was" : " were") + " changed since it was applied; 'jvirtio rollback "
                    + "--force " + txn + "' restores " + (changed.size() == 1 ? "it" : "them") + " anyway.");
        }
    }

    private static RollbackResult undo(TransactionStore store, TransactionLog journal,
                                       List<TransactionLog.Entry> pending, StepEnvironment env, Consumer<String> log)
            throws IOException {
        int undone = 0;
        boolean complete = true;
        try (Journal out = Journal.reopen(store.directoryOf(journal.id))) {
            for (TransactionLog.Entry entry : pending.reversed()) {
                ObjectNode record;
                try {
                    entry.step.undo(env);
                    record = Applier.record("undone");
                    undone++;
                    log.accept("undone    " + entry.summary);
                } catch (IOException | GuestConfigException e) {
                    complete = false;
                    record = Applier.record("undo-failed");
                    record.put("error", Applier.sentence(e.getMessage()));
                    log.accept("NOT UNDONE " + entry.summary + ": " + Applier.sentence(e.getMessage()));
                }
                record.put("seq", entry.seq);
                out.append(record);
            }
            TransactionState state = complete ? TransactionState.ROLLED_BACK : TransactionState.ROLLBACK_INCOMPLETE;
            ObjectNode end = Applier.record("end");
            end.put("state", state.label());
            out.append(end);
            return new RollbackResult(journal.id, state, undone, complete
                    ? "Rolled back transaction " + journal.id + ": " + undone + " change" + (undone == 1 ? "" : "s")
                    + " undone."
                    : "Transaction " + journal.id + " is only partly rolled back; 'jvirtio rollback " + journal.id
                    + "' tries the rest again.");
        }
    }
}
