package dev.jvirtio.tune.apply;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.plan.Plan;
import dev.jvirtio.tune.plan.PlanException;
import dev.jvirtio.tune.plan.PlanOptions;
import dev.jvirtio.tune.plan.Planner;
import dev.jvirtio.tune.report.AuditReport;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** Plans, applies and journals over the test trees, for the apply tests. */
final class Transactions {

    private Transactions() {
    }

    static Plan plan(TestRoot root, List<String> libvirt) {
        try {
            return Planner.plan(FactRoot.of(root.path()), List.of(), libvirt, PlanOptions.defaults());
        } catch (GuestConfigException | PlanException e) {
            throw new IllegalStateException(e);
        }
    }

    static Plan plan(TestRoot root) {
        return plan(root, List.of());
    }

    /** Applies {@code plan}, collecting what apply reports into {@code log}. */
    static ApplyResult apply(Plan plan, TestRoot root, List<String> log) {
        try {
            return Applier.apply(plan, root.path(), log::add);
        } catch (ApplyException e) {
            throw new IllegalStateException(e);
        }
    }

    static ApplyResult apply(Plan plan, TestRoot root) {
        return apply(plan, root, new ArrayList<>());
    }

    /** The findings of an audit of {@code root} that still fail among those {@code plan} targeted. */
    static List<Finding> stillFailing(Plan plan, AuditReport audit) {
        return audit.findings().stream().filter(f -> f.outcome() == Outcome.FAIL)
                .filter(f -> plan.targetedFindings().contains(f.rule() + " " + f.subject())).toList();
    }

    /** The journal file of transaction {@code id} under {@code root}. */
    static Path journal(TestRoot root, String id) {
        return root.path().resolve(TransactionStore.DIR).resolve(id).resolve(Journal.FILE);
    }

    /** A journal line for {@code json}, with its checksum, as apply writes it. */
    static String line(String json) {
        CRC32 crc = new CRC32();
        crc.update(json.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue()) + " " + json + "\n";
    }

    /** The JSON of every line of a journal, checksums dropped. */
    static List<String> records(Path journal) {
        try {
            return Files.readAllLines(journal, StandardCharsets.UTF_8).stream().map(l -> l.substring(9)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code records} as a journal with valid checksums. */
    static void write(Path journal, List<String> records) {
        StringBuilder text = new StringBuilder();
        records.forEach(r -> text.append(line(r)));
        try {
            Files.writeString(journal, text.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
