package dev.jvirtio.cli;

import dev.jvirtio.tune.fixture.TestRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.jvirtio.cli.CliRun.run;
import static dev.jvirtio.cli.TreeFingerprint.fingerprint;
import static org.assertj.core.api.Assertions.assertThat;

class ApplyCommandTest {

    @TempDir
    Path dir;

    @Test
    void without_yes_it_shows_the_plan_and_changes_nothing() {
        Path root = TestRoot.copyOf("small-host", dir).path();
        Map<String, String> before = fingerprint(root);

        CliRun dry = run(new ApplyCommand(), "--root", root.toString());

        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).contains("MEM-SWAP").contains("Dry run: nothing was changed. Run again with --yes");
        assertThat(fingerprint(root)).isEqualTo(before);
        assertThat(root.resolve("var")).doesNotExist();
    }

    @Test
    void with_yes_it_applies_names_the_transaction_and_a_second_run_finds_nothing_to_change() {
        Path root = TestRoot.copyOf("small-host", dir).path();

        CliRun first = run(new ApplyCommand(), "--root", root.toString(), "--yes");
        Map<String, String> applied = fingerprint(root);
        CliRun second = run(new ApplyCommand(), "--root", root.toString(), "--yes");

        assertThat(first.exitCode()).as(first.err()).isZero();
        Matcher m = Pattern.compile("Applied (\\d+) changes as transaction (\\S+); undo with: jvirtio rollback --root "
                + Pattern.quote(root.toString()) + " (\\S+)").matcher(first.out());
        assertThat(m.find()).as(first.out()).isTrue();
        assertThat(m.group(3)).isEqualTo(m.group(2));
        assertThat(first.out().lines().filter(l -> l.startsWith("changed "))).hasSize(Integer.parseInt(m.group(1)));
        assertThat(first.out()).contains("changed   MEM-SWAP /proc/sys/vm/swappiness: 0 -> 10");
        assertThat(Files.isDirectory(root.resolve("var/lib/jvirtio/transactions").resolve(m.group(2)))).isTrue();
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).startsWith("Nothing to change");
        assertThat(fingerprint(root)).isEqualTo(applied);
    }

    @Test
    void a_change_that_fails_exits_1_and_leaves_the_root_as_it_was() throws Exception {
        Path root = TestRoot.copyOf("small-host", dir).path();
        // A directory where the sysctl drop-in goes: the drop-in cannot be written.
        Files.createDirectories(root.resolve("etc/sysctl.d/90-jvirtio-swappiness.conf"));
        Map<String, String> before = fingerprint(root);

        CliRun apply = run(new ApplyCommand(), "--root", root.toString(), "--yes");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.err()).startsWith("jvirtio apply: failed at MEM-SWAP /etc/sysctl.d/90-jvirtio-swappiness.conf")
                .contains("nothing of transaction");
        assertThat(apply.out()).contains("FAILED").contains("undone    ");
        assertThat(fingerprint(root)).isEqualTo(before);
    }
}
