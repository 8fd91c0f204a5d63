package dev.jvirtio.cli;

import dev.jvirtio.tune.rule.RuleCatalog;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jvirtio explain}, the audit's companion. */
class AuditExplainCommandTest {

    @Test
    void explain_prints_the_whole_text_of_a_rule() {
        CliRun run = CliRun.run(new ExplainCommand(), "MEM-SWAP");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("MEM-SWAP").contains("The 2020 text").contains("Today")
                .contains("Linux 3.5");
    }

    @Test
    void explain_accepts_lower_case_ids() {
        assertThat(CliRun.run(new ExplainCommand(), "sto-hostfs").out()).startsWith("STO-HOSTFS");
    }

    @Test
    void the_list_names_every_rule_id_once() {
        CliRun run = CliRun.run(new ExplainCommand(), "--list");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().lines().map(line -> line.split("\\s+")[0]).toList())
                .containsExactlyElementsOf(RuleCatalog.standard().ids());
    }

    @Test
    void an_unknown_id_or_no_id_is_a_usage_error() {
        CliRun unknown = CliRun.run(new ExplainCommand(), "CPU-MAGIC");
        CliRun none = CliRun.run(new ExplainCommand());

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("CPU-MAGIC");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("--list");
    }
}
