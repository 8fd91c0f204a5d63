package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.guest.LibvirtSession;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.plan.Change;
import dev.jvirtio.tune.plan.DomainEdit;
import dev.jvirtio.tune.plan.DomainFile;
import dev.jvirtio.tune.plan.FileWrite;
import dev.jvirtio.tune.plan.KernelCmdline;
import dev.jvirtio.tune.plan.LibvirtDomain;
import dev.jvirtio.tune.plan.LiveVcpuPin;
import dev.jvirtio.tune.plan.Plan;
import dev.jvirtio.tune.plan.SettingWrite;
import dev.jvirtio.tune.plan.xml.XmlDocument;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Makes a plan's changes as one transaction. Before each change, the journal records what the
 * target holds (a file's whole content, or that it is absent; a setting's value; a domain's
 * definition), what it will hold, and is flushed to disk; only then is the change made and checked.
 * Files are written atomically, kernel settings in place and read back, domain XML defined through
 * libvirt or written to its file.
 *
 * <p>A change whose target no longer holds what was planned from, or that fails, stops the apply:
 * the changes this transaction made are undone in reverse order, and the result says so. A change
 * already in place is skipped, so applying the same plan twice changes nothing the second time.
 */
public final class Applier {

    private Applier() {
    }

    /**
     * Applies {@code plan}'s applicable changes to the machine at {@code root}.
     *
     * @param log receives one line per change made, skipped, failed or undone
     * @throws ApplyException when the transaction cannot begin: another run holds the lock, or its
     *                        directory or journal cannot be written
     */
    public static ApplyResult apply(Plan plan, Path root, Consumer<String> log) throws ApplyException {
        return apply(plan, root, log, Clock.systemUTC());
    }

    static ApplyResult apply(Plan plan, Path root, Consumer<String> log, Clock clock) throws ApplyException {
        TransactionStore store = TransactionStore.at(root);
        List<Change> changes = plan.applicable();
        if (changes.isEmpty()) {
            return new ApplyResult(Optional.empty(), TransactionState.APPLIED, 0, 0, "");
        }
        try (TransactionStore.Lock lock = store.lock(); StepEnvironment env = new StepEnvironment(store.root())) {
            String id;
            Journal journal;
            Instant now = clock.instant();
            try {
                id = store.create(now);
                journal = Journal.create(store.directoryOf(id));
                ObjectNode begin = record("begin");
                begin.put("version", TransactionLog.VERSION);
                begin.put("id", id);
                begin.put("time", now.toString());
                begin.put("root", store.root().toString());
                begin.put("changes", changes.size());
                journal.append(begin);
            } catch (IOException e) {
                throw new ApplyException("Cannot begin a transaction under " + store.directory() + ": "
                        + e.getMessage() + ".", e);
            }
            try (journal) {
                return run(changes, id, journal, env, log);
            } catch (IOException e) {
                throw new ApplyException("The journal of transaction " + id + " could not be written: "
                        + e.getMessage() + ".", e);
            }
        }
    }

    private static ApplyResult run(List<Change> changes, String id, Journal journal, StepEnvironment env,
                                   Consumer<String> log) throws IOException {
        List<Step> made = new ArrayList<>();
        List<Integer> madeSeq = new ArrayList<>();
        int inPlace = 0;
        for (int i = 0; i < changes.size(); i++) {
            Change change = changes.get(i);
            int seq = i + 1;
            String summary = summary(change);
            Step step = null;
            try {
                Optional<Step> prepared = prepare(change, env);
                if (prepared.isEmpty()) {
                    inPlace++;
                    log.accept("in place  " + summary);
                    continue;
                }
                step = prepared.get();
                ObjectNode announce = record("change");
                announce.put("seq", seq);
                announce.put("rule", change.rule());
                announce.put("subject", change.subject());
                announce.put("summary", summary);
                announce.set("step", step.toJson());
                journal.append(announce);
                Optional<String> observed = step.make(env);
                ObjectNode done = record("done");
                done.put("seq", seq);
                observed.ifPresent(text -> done.put("observed", text));
                journal.append(done);
                made.add(observed.map(step::observed).orElse(step));
                madeSeq.add(seq);
                log.accept("changed   " + summary);
            } catch (IOException | GuestConfigException | ApplyException e) {
                String error = sentence(e.getMessage());
                int madeBefore = made.size();
                log.accept("FAILED    " + summary + ": " + error);
                if (step != null) {
                    ObjectNode failed = record("failed");
                    failed.put("seq", seq);
                    failed.put("error", error);
                    journal.append(failed);
                    made.add(step);
                    madeSeq.add(seq);
                }
                boolean complete = undo(made, madeSeq, journal, env, log);
                TransactionState state = complete ? TransactionState.FAILED : TransactionState.FAILED_UNDO_INCOMPLETE;
                ObjectNode end = record("end");
                end.put("state", state.label());
                journal.append(end);
                return new ApplyResult(Optional.of(id), state, madeBefore, inPlace, summary + ": " + error);
            }
        }
        ObjectNode end = record("end");
        end.put("state", TransactionState.APPLIED.label());
        journal.append(end);
        return new ApplyResult(Optional.of(id), TransactionState.APPLIED, made.size(), inPlace, "");
    }

    /** Undoes {@code steps} newest first; false when one could not be undone. */
    private static boolean undo(List<Step> steps, List<Integer> seqs, Journal journal, StepEnvironment env,
                                Consumer<String> log) throws IOException {
        boolean complete = true;
        for (int k = steps.size() - 1; k >= 0; k--) {
            Step step = steps.get(k);
            try {
                step.undo(env);
                ObjectNode undone = record("undone");
                undone.put("seq", seqs.get(k));
                journal.append(undone);
                log.accept("undone    " + step.target());
            } catch (IOException | GuestConfigException e) {
                complete = false;
                ObjectNode failed = record("undo-failed");
                failed.put("seq", seqs.get(k));
                failed.put("error", sentence(e.getMessage()));
                journal.append(failed);
                log.accept("NOT UNDONE " + step.target() + ": " + sentence(e.getMessage()));
            }
        }
        return complete;
    }

    /**
     * The step that makes {@code change} from what its target holds now; empty when the change is
     * already in place.
     *
     * @throws ApplyException when the target holds neither what was planned from nor the change
     */
    static Optional<Step> prepare(Change change, StepEnvironment env)
            throws IOException, GuestConfigException, ApplyException {
        return switch (change) {
            case FileWrite f -> {
                Path file = resolve(env.root, f.path());
                Optional<byte[]> now = FileStep.read(file);
                if (now.isPresent() && Arrays.equals(now.get(), f.after())) {
                    yield Optional.empty();
                }
                if (now.isPresent() != f.before().isPresent()
                        || now.isPresent() && !Arrays.equals(now.get(), f.before().get())) {
                    throw drift(f.path());
                }
                yield Optional.of(FileStep.toward(file, f.after()));
            }
            case SettingWrite s -> {
                Path file = resolve(env.root, s.path());
                boolean kernel = KernelFiles.isKernel(file);
                String text = kernel ? KernelFiles.read(file) : FileStep.read(file)
                        .map(b -> new String(b, StandardCharsets.UTF_8))
                        .orElseThrow(() -> new IOException(s.path() + " does not exist"));
                if (text.trim().equals(s.shown().trim())) {
                    yield Optional.empty();
                }
                if (!KernelFiles.value(text).equals(s.from())) {
                    throw drift(s.path() + " (it holds '" + text.trim() + "')");
                }
                yield Optional.of(kernel ? new KernelStep(file, text, s.value(), s.shown())
                        : FileStep.toward(file, (s.shown() + "\n").getBytes(StandardCharsets.UTF_8)));
            }
            case DomainEdit d when d.domain() instanceof DomainFile target -> {
                byte[] bytes = FileStep.read(target.path())
                        .orElseThrow(() -> new IOException(target.path() + " does not exist"));
                XmlDocument doc = XmlDocument.parse(bytes, target.path().toString());
                String now = doc.toString();
                if (now.equals(d.after())) {
                    yield Optional.empty();
                }
                if (!now.equals(d.before())) {
                    throw drift(target.path().toString());
                }
                d.edit().apply(doc.root());
                yield Optional.of(FileStep.toward(target.path(), doc.toBytes()));
            }
            case DomainEdit d when d.domain() instanceof LibvirtDomain target -> {
                LibvirtSession session = env.libvirt(target.uri());
                String now = XmlDocument.parse(session.persistentXml(target.name(), false), target.describe())
                        .toString();
                if (now.equals(d.after())) {
                    yield Optional.empty();
                }
                if (!now.equals(d.before())) {
                    throw drift(target.describe());
                }
                String secure = session.persistentXml(target.name(), true);
                XmlDocument doc = XmlDocument.parse(secure, target.describe());
                d.edit().apply(doc.root());
                yield Optional.of(new LibvirtDefineStep(target.uri(), target.name(), secure, doc.toString(), ""));
            }
            case DomainEdit d -> throw new IllegalStateException("unknown domain target " + d.domain());
            case LiveVcpuPin p -> {
                LibvirtSession session = env.libvirt(p.domain().uri());
                if (!session.running(p.domain().name())) {
                    yield Optional.empty();
                }
                List<String> now = session.vcpuPins(p.domain().name()).stream().map(CpuSet::toString).toList();
                if (now.equals(p.after())) {
                    yield Optional.empty();
                }
                if (!now.equals(p.before())) {
                    throw drift(p.target());
                }
                yield Optional.of(new LibvirtPinStep(p.domain().uri(), p.domain().name(), now, p.after()));
            }
            case KernelCmdline k -> Optional.empty();
        };
    }

    /** {@code machinePath} under the root, refusing paths that leave it. */
    static Path resolve(Path root, String machinePath) throws ApplyException {
        Path file = root.resolve(machinePath.replaceFirst("^/+", "")).normalize();
        if (!file.startsWith(root)) {
            throw new ApplyException("Refused " + machinePath + ": it leads outside the root " + root + ".");
        }
        return file;
    }

    private static ApplyException drift(String target) {
        return new ApplyException(target + " changed since the plan was made; run 'jvirtio plan' again");
    }

    private static String summary(Change change) {
        return change.rule() + " " + change.target() + ": " + (change.diff().isEmpty()
                ? change.from() + " -> " + change.to() : change.to());
    }

    static ObjectNode record(String type) {
        ObjectNode node = Journal.JSON.createObjectNode();
        node.put("type", type);
        return node;
    }

    static String sentence(String message) {
        String m = message == null ? "unknown error" : message.strip();
        return m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
    }
}
