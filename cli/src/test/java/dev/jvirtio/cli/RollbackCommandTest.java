package dev.jvirtio.cli;

import dev.jvirtio.tune.fixture.TestRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.jvirtio.cli.CliRun.run;
import static dev.jvirtio.cli.TreeFingerprint.fingerprint;
import static org.assertj.core.api.Assertions.assertThat;

class RollbackCommandTest {

    @TempDir
    Path dir;

    @Test
    void rollback_of_the_last_transaction_restores_the_root_byte_for_byte() {
        Path root = TestRoot.copyOf("numa-host", dir).path();
        Map<String, String> original = fingerprint(root);
        assertThat(run(new ApplyCommand(), "--root", root.toString(), "--yes").exitCode()).isZero();
        assertThat(fingerprint(root)).isNotEqualTo(original);

        CliRun rollback = run(new RollbackCommand(), "--root", root.toString());

        assertThat(rollback.exitCode()).as(rollback.err()).isZero();
        assertThat(rollback.out()).contains("undone    MEM-SWAP").contains("Rolled back transaction ");
        assertThat(fingerprint(root)).isEqualTo(original);
    }

    @Test
    void a_damaged_journal_is_a_usage_error_and_nothing_changes() throws Exception {
        Path root = TestRoot.copyOf("small-host", dir).path();
        run(new ApplyCommand(), "--root", root.toString(), "--yes");
        Path journal;
        try (Stream<Path> txns = Files.list(root.resolve("var/lib/jvirtio/transactions"))) {
            journal = txns.findFirst().orElseThrow().resolve("journal");
        }
        byte[] bytes = Files.readAllBytes(journal);
        bytes[bytes.length / 3] ^= 0x04;
        Files.write(journal, bytes);
        Map<String, String> applied = fingerprint(root);

        CliRun rollback = run(new RollbackCommand(), "--root", root.toString());

        assertThat(rollback.exitCode()).isEqualTo(2);
        assertThat(rollback.err()).startsWith("jvirtio rollback: The journal of transaction ")
                .contains("is damaged at line").endsWith("Nothing was changed.\n");
        assertThat(fingerprint(root)).isEqualTo(applied);
    }

    @Test
    void a_file_changed_since_the_apply_makes_it_refuse_unless_forced() throws Exception {
        Path root = TestRoot.copyOf("kvm-guest", dir).path();
        Map<String, String> original = fingerprint(root);
        run(new ApplyCommand(), "--root", root.toString(), "--yes");
        Files.writeString(root.resolve("etc/udev/rules.d/60-jvirtio-scheduler.rules"), "# mine now\n");

        CliRun refused = run(new RollbackCommand(), "--root", root.toString());
        CliRun forced = run(new RollbackCommand(), "--root", root.toString(), "--force");

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("60-jvirtio-scheduler.rules was changed since it was applied")
                .contains("--force");
        assertThat(forced.exitCode()).isZero();
        assertThat(fingerprint(root)).isEqualTo(original);
    }

    @Test
    void without_any_transaction_it_says_so() {
        Path root = TestRoot.copyOf("kvm-guest", dir).path();

        CliRun rollback = run(new RollbackCommand(), "--root", root.toString());

        assertThat(rollback.exitCode()).isEqualTo(2);
        assertThat(rollback.err()).startsWith("jvirtio rollback: There is no transaction under ");
    }
}
