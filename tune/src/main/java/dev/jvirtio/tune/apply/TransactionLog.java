package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a transaction's journal says, checked record by record: when it began, for which root, each
 * change with its step and what became of it, and how the transaction ended.
 */
final class TransactionLog {

    static final int VERSION = 1;

    /** What became of one journaled change. */
    enum Status { ANNOUNCED, DONE, FAILED, UNDONE, UNDO_FAILED }

    /** One journaled change. */
    static final class Entry {
        final int seq;
        final String rule;
        final String subject;
        final String summary;
        Step step;
        Status status = Status.ANNOUNCED;

        Entry(int seq, String rule, String subject, String summary, Step step) {
            this.seq = seq;
            this.rule = rule;
            this.subject = subject;
            this.summary = summary;
            this.step = step;
        }
    }

    final String id;
    final Instant time;
    final int declared;
    final Map<Integer, Entry> entries = new LinkedHashMap<>();
    TransactionState state = TransactionState.INCOMPLETE;

    private TransactionLog(String id, Instant time, int declared) {
        this.id = id;
        this.time = time;
        this.declared = declared;
    }

    /**
     * Reads and checks the journal of transaction {@code id} in {@code dir}.
     *
     * @param root the root the transaction must have been made for
     */
    static TransactionLog read(Path dir, String id, Path root) throws JournalException {
        List<ObjectNode> records = Journal.read(dir, id);
        TransactionLog log = null;
        for (int line = 1; line <= records.size(); line++) {
            ObjectNode record = records.get(line - 1);
            JournalFields f = new JournalFields("The journal of transaction " + id + " is damaged at line " + line
                    + ": ");
            String type = f.text(record, "type");
            if (log == null) {
                if (!type.equals("begin")) {
                    throw f.damaged("it does not begin with a 'begin' record");
                }
                if (f.integer(record, "version") != VERSION) {
                    throw f.damaged("version " + record.get("version") + " is not one this jvirtio reads");
                }
                if (!f.text(record, "id").equals(id)) {
                    throw f.damaged("it names transaction " + f.text(record, "id"));
                }
                if (!f.text(record, "root").equals(root.toString())) {
                    throw new JournalException("Transaction " + id + " was made for root " + f.text(record, "root")
                            + ", not " + root + ".");
                }
                Instant time;
                try {
                    time = Instant.parse(f.text(record, "time"));
                } catch (DateTimeParseException e) {
                    throw f.damaged("the time is not an instant");
                }
                int declared = f.integer(record, "changes");
                if (declared < 0) {
                    throw f.damaged("it declares " + declared + " changes");
                }
                log = new TransactionLog(id, time, declared);
                continue;
            }
            if (log.state != TransactionState.INCOMPLETE && !type.equals("undone") && !type.equals("undo-failed")
                    && !type.equals("end")) {
                throw f.damaged("a '" + type + "' record follows the end of the transaction");
            }
            switch (type) {
                case "change" -> {
                    int seq = f.integer(record, "seq");
                    if (seq != log.entries.size() + 1 || seq > log.declared) {
                        throw f.damaged("change " + seq + " is out of order");
                    }
                    log.entries.put(seq, new Entry(seq, f.text(record, "rule"), f.text(record, "subject"),
                            f.text(record, "summary"), Step.fromJson(record.get("step"), root, f)));
                }
                case "done" -> {
                    Entry entry = entry(log, f.integer(record, "seq"), f);
                    if (entry.status != Status.ANNOUNCED) {
                        throw f.damaged("change " + entry.seq + " is done twice");
                    }
                    entry.status = Status.DONE;
                    Optional<String> observed = f.optionalText(record, "observed");
                    if (observed.isPresent()) {
                        entry.step = entry.step.observed(observed.get());
                    }
                }
                case "failed" -> {
                    Entry entry = entry(log, f.integer(record, "seq"), f);
                    f.text(record, "error");
                    entry.status = Status.FAILED;
                }
                case "undone" -> entry(log, f.integer(record, "seq"), f).status = Status.UNDONE;
                case "undo-failed" -> {
                    Entry entry = entry(log, f.integer(record, "seq"), f);
                    f.text(record, "error");
                    entry.status = Status.UNDO_FAILED;
                }
                case "end" -> {
                    try {
                        log.state = TransactionState.ofLabel(f.text(record, "state"));
                    } catch (IllegalArgumentException e) {
                        throw f.damaged("the state '" + f.text(record, "state") + "' is unknown");
                    }
                }
                default -> throw f.damaged("the record type '" + type + "' is unknown");
            }
        }
        if (log == null) {
            throw new JournalException("The journal of transaction " + id + " has no 'begin' record.");
        }
        return log;
    }

    /** The summary {@code history} shows. */
    TransactionSummary summary() {
        LinkedHashSet<String> rules = new LinkedHashSet<>();
        entries.values().forEach(e -> rules.add(e.rule));
        return new TransactionSummary(id, time, entries.size(), state.label(), new ArrayList<>(rules));
    }

    private static Entry entry(TransactionLog log, int seq, JournalFields f) throws JournalException {
        Entry entry = log.entries.get(seq);
        if (entry == null) {
            throw f.damaged("it names change " + seq + ", which was never announced");
        }
        return entry;
    }
}
