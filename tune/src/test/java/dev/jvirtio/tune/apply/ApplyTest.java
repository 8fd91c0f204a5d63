package dev.jvirtio.tune.apply;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.fixture.TreeHash;
import dev.jvirtio.tune.plan.Change;
import dev.jvirtio.tune.plan.DomainEdit;
import dev.jvirtio.tune.plan.Plan;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.jvirtio.tune.apply.Transactions.apply;
import static dev.jvirtio.tune.apply.Transactions.plan;
import static dev.jvirtio.tune.apply.Transactions.stillFailing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApplyTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"numa-host", "small-host", "kvm-guest"})
    void after_apply_the_audit_finds_every_targeted_finding_fixed_and_rollback_restores_the_tree(String fixture)
            throws Exception {
        TestRoot root = TestRoot.copyOf(fixture, dir);
        Map<String, String> original = TreeHash.of(root.path());
        Plan plan = plan(root);
        assertThat(plan.targetedFindings()).isNotEmpty();
        assertThat(stillFailing(plan, root.audit())).hasSameSizeAs(plan.targetedFindings());

        ApplyResult result = apply(plan, root);

        assertThat(result.succeeded()).as(result.failure()).isTrue();
        assertThat(result.made()).isEqualTo(plan.applicable().size());
        assertThat(stillFailing(plan, root.audit())).isEmpty();
        assertThat(TreeHash.of(root.path())).isNotEqualTo(original);

        RollbackResult rollback = Rollback.rollback(root.path(), Optional.empty(), false, line -> { });

        assertThat(rollback.succeeded()).as(rollback.message()).isTrue();
        assertThat(rollback.undone()).isEqualTo(result.made());
        assertThat(TreeHash.of(root.path())).isEqualTo(original);
        assertThat(TransactionStore.at(root.path()).list()).singleElement()
                .satisfies(t -> assertThat(t.state()).isEqualTo("rolled-back"));
    }

    @Test
    void a_second_apply_finds_nothing_to_change_and_journals_nothing() throws Exception {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        ApplyResult first = apply(plan(root), root);
        Map<String, String> applied = TreeHash.of(root.path());

        Plan again = plan(root);
        ApplyResult second = apply(again, root);

        assertThat(first.succeeded()).isTrue();
        assertThat(again.applicable()).isEmpty();
        assertThat(second.transaction()).isEmpty();
        assertThat(TreeHash.of(root.path())).isEqualTo(applied);
        assertThat(TransactionStore.at(root.path()).ids()).containsExactly(first.transaction().orElseThrow());
    }

    @Test
    void a_change_found_already_in_place_is_skipped() {
        TestRoot root = TestRoot.copyOf("small-host", dir);
        Plan plan = plan(root);
        root.write("/proc/sys/vm/swappiness", "10\n");

        ApplyResult result = apply(plan, root);

        assertThat(result.succeeded()).isTrue();
        assertThat(result.inPlace()).isEqualTo(1);
        assertThat(result.made()).isEqualTo(plan.applicable().size() - 1);
    }

    @Test
    void a_change_that_fails_mid_apply_undoes_what_came_before_and_leaves_the_root_as_it_was() throws Exception {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        Plan plan = plan(root);
        Path db = root.path().resolve(".jvirtio/domain-xml/2-db.xml");
        int failing = indexOfFirst(plan, db);
        assertThat(failing).as("changes come before db's").isGreaterThan(3);
        Map<String, String> before = TreeHash.of(root.path());
        List<String> log = new ArrayList<>();

        immutable(db, true);
        ApplyResult result;
        try {
            result = apply(plan, root, log);
        } finally {
            immutable(db, false);
        }

        assertThat(result.state()).isEqualTo(TransactionState.FAILED);
        assertThat(result.made()).isEqualTo(failing);
        assertThat(result.failure()).contains(db.toString()).contains("rename").contains("Operation not permitted");
        assertThat(log).filteredOn(l -> l.startsWith("undone")).hasSize(failing + 1);
        assertThat(TreeHash.of(root.path())).isEqualTo(before);
        String id = result.transaction().orElseThrow();
        assertThat(TransactionStore.at(root.path()).list()).singleElement()
                .satisfies(t -> assertThat(t.state()).isEqualTo("failed"));
        assertThat(Rollback.rollback(root.path(), Optional.of(id), false, l -> { }).message())
                .contains("nothing to roll back");
    }

    @Test
    void a_target_changed_between_plan_and_apply_stops_the_apply() {
        TestRoot root = TestRoot.copyOf("small-host", dir);
        Plan plan = plan(root);
        root.write("/proc/sys/vm/swappiness", "35\n");
        Map<String, String> before = TreeHash.of(root.path());

        ApplyResult result = apply(plan, root);

        assertThat(result.state()).isEqualTo(TransactionState.FAILED);
        assertThat(result.failure()).contains("/proc/sys/vm/swappiness").contains("changed since the plan was made");
        assertThat(TreeHash.of(root.path())).isEqualTo(before);
    }

    @Test
    void rollback_refuses_a_file_changed_since_the_apply_and_force_restores_it() throws Exception {
        TestRoot root = TestRoot.copyOf("small-host", dir);
        Map<String, String> original = TreeHash.of(root.path());
        apply(plan(root), root);
        root.write("/etc/sysctl.d/90-jvirtio-swappiness.conf", "vm.swappiness = 12\n");
        Map<String, String> edited = TreeHash.of(root.path());

        assertThatThrownBy(() -> Rollback.rollback(root.path(), Optional.empty(), false, l -> { }))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("/etc/sysctl.d/90-jvirtio-swappiness.conf").hasMessageContaining("--force");
        assertThat(TreeHash.of(root.path())).isEqualTo(edited);

        RollbackResult forced = Rollback.rollback(root.path(), Optional.empty(), true, l -> { });

        assertThat(forced.succeeded()).isTrue();
        assertThat(TreeHash.of(root.path())).isEqualTo(original);
    }

    @Test
    void emulated_devices_of_a_domain_become_virtio_and_come_back_on_rollback() throws Exception {
        TestRoot root = TestRoot.copyOf("small-host", dir).domainXml("2-old.xml", """
                <domain type='kvm'>
                  <name>old</name>
                  <memory unit='GiB'>2</memory>
                  <vcpu placement='static'>2</vcpu>
                  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2' cache='writeback'/>
                      <source file='/var/lib/libvirt/images/old.qcow2'/>
                      <target dev='hda' bus='ide'/>
                      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
                    </disk>
                    <disk type='file' device='cdrom'>
                      <target dev='hdc' bus='ide'/>
                      <readonly/>
                    </disk>
                    <interface type='network'>
                      <source network='default'/>
                      <model type='e1000'/>
                    </interface>
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """);
        Map<String, String> original = TreeHash.of(root.path());
        Plan plan = plan(root);
        assertThat(plan.targetedFindings()).contains("VIRTIO-PV old", "NET-VIRTIO old", "STO-CACHE old",
                "MEM-BALLOON old", "VIRTIO-DATAPLANE old", "VIRTIO-VQ old");

        assertThat(apply(plan, root).succeeded()).isTrue();

        assertThat(stillFailing(plan, root.audit())).isEmpty();
        String xml = Files.readString(root.path().resolve(".jvirtio/domain-xml/2-old.xml"));
        assertThat(xml).contains("<target dev='vda' bus='virtio'/>").contains("<target dev='hdc' bus='ide'/>")
                .doesNotContain("type='drive'").contains("<model type='virtio'/>")
                .contains("type='qcow2' cache='none' io='native'");
        assertThat(Rollback.rollback(root.path(), Optional.empty(), false, l -> { }).succeeded()).isTrue();
        assertThat(TreeHash.of(root.path())).isEqualTo(original);
    }

    @Test
    void an_interrupted_transaction_is_listed_incomplete_and_rolls_back_what_it_made() throws Exception {
        TestRoot root = TestRoot.copyOf("small-host", dir);
        Map<String, String> original = TreeHash.of(root.path());
        Plan full = plan(root);
        Plan firstHalf = new Plan(full.root(), full.applicable().subList(0, 3), List.of());
        String id = apply(firstHalf, root).transaction().orElseThrow();
        Path journal = Transactions.journal(root, id);
        List<String> lines = new ArrayList<>(Files.readAllLines(journal, StandardCharsets.UTF_8));
        assertThat(lines.getLast()).contains("\"type\":\"end\"");
        lines.removeLast();
        // The crash hit while the journal announced a fourth change: its line never got its newline.
        Files.writeString(journal, String.join("\n", lines) + "\n" + "0123abcd {\"type\":\"chan", StandardCharsets.UTF_8);

        assertThat(TransactionStore.at(root.path()).list()).singleElement()
                .satisfies(t -> assertThat(t.state()).isEqualTo("incomplete"));
        RollbackResult result = Rollback.rollback(root.path(), Optional.of(id), false, l -> { });

        assertThat(result.succeeded()).isTrue();
        assertThat(result.undone()).isEqualTo(3);
        assertThat(TreeHash.of(root.path())).isEqualTo(original);
        assertThat(TransactionStore.at(root.path()).list().getFirst().state()).isEqualTo("rolled-back");
    }

    @Test
    void rolling_back_twice_undoes_nothing_the_second_time() throws Exception {
        TestRoot root = TestRoot.copyOf("kvm-guest", dir);
        Map<String, String> original = TreeHash.of(root.path());
        apply(plan(root), root);
        Rollback.rollback(root.path(), Optional.empty(), false, l -> { });

        RollbackResult again = Rollback.rollback(root.path(), Optional.empty(), false, l -> { });

        assertThat(again.undone()).isZero();
        assertThat(again.message()).contains("already rolled back");
        assertThat(TreeHash.of(root.path())).isEqualTo(original);
    }

    @Test
    void an_unknown_transaction_is_named_in_the_error() {
        TestRoot root = TestRoot.copyOf("kvm-guest", dir);

        assertThatThrownBy(() -> Rollback.rollback(root.path(), Optional.of("../../etc"), false, l -> { }))
                .isInstanceOf(ApplyException.class).hasMessageContaining("no transaction ../../etc");
        assertThatThrownBy(() -> Rollback.rollback(root.path(), Optional.empty(), false, l -> { }))
                .isInstanceOf(ApplyException.class).hasMessageContaining("no transaction");
    }

    private static int indexOfFirst(Plan plan, Path domainFile) {
        List<Change> changes = plan.applicable();
        for (int i = 0; i < changes.size(); i++) {
            if (changes.get(i) instanceof DomainEdit d && d.target().equals(domainFile.toString())) {
                return i;
            }
        }
        throw new AssertionError("no change to " + domainFile);
    }

    /** Sets or clears the immutable attribute, which even root cannot write through. */
    private static void immutable(Path file, boolean on) throws IOException, InterruptedException {
        boolean available = Files.isExecutable(Path.of("/usr/bin/chattr")) || Files.isExecutable(Path.of("/bin/chattr"));
        if (!available) {
            String missing = "chattr (Debian package e2fsprogs) is needed to make a target unwritable";
            if (System.getenv("CI") != null) {
                throw new AssertionError(missing);
            }
            Assumptions.abort(missing);
        }
        Process chattr = new ProcessBuilder("chattr", on ? "+i" : "-i", file.toString()).redirectErrorStream(true)
                .start();
        String output = new String(chattr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!chattr.waitFor(30, TimeUnit.SECONDS) || chattr.exitValue() != 0) {
            String why = "chattr " + (on ? "+i " : "-i ") + file + " failed (" + output.strip() + "); needs root on a "
                    + "file system with the immutable attribute";
            if (System.getenv("CI") != null || !on) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
    }
}
