package dev.jvirtio.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.tune.fixture.TestRoot;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.jvirtio.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

class HistoryCommandTest {

    @TempDir
    Path dir;

    @Test
    void transactions_are_listed_oldest_first_with_their_changes_and_state() throws Exception {
        Path root = TestRoot.copyOf("small-host", dir).path();
        CliRun apply = run(new ApplyCommand(), "--root", root.toString(), "--yes");
        Matcher m = Pattern.compile("Applied (\\d+) changes as transaction (\\S+);").matcher(apply.out());
        assertThat(m.find()).as(apply.out()).isTrue();
        run(new RollbackCommand(), "--root", root.toString());

        CliRun history = run(new HistoryCommand(), "--root", root.toString());
        CliRun json = run(new HistoryCommand(), "--root", root.toString(), "--json");

        assertThat(history.exitCode()).isZero();
        assertThat(history.out().lines()).hasSize(2).first().asString().startsWith("TRANSACTION");
        assertThat(history.out().lines().skip(1).findFirst().orElseThrow()).startsWith(m.group(2))
                .contains(" " + m.group(1) + "  rolled-back").contains("MEM-SWAP");
        JsonNode transactions = new ObjectMapper().readTree(json.out()).get("transactions");
        assertThat(transactions).singleElement().satisfies(t -> {
            assertThat(t.get("id").asText()).isEqualTo(m.group(2));
            assertThat(t.get("changes").asInt()).isEqualTo(Integer.parseInt(m.group(1)));
            assertThat(t.get("state").asText()).isEqualTo("rolled-back");
        });
    }

    @Test
    void a_root_without_transactions_says_so() {
        Path root = TestRoot.copyOf("kvm-guest", dir).path();

        CliRun history = run(new HistoryCommand(), "--root", root.toString());

        assertThat(history.exitCode()).isZero();
        assertThat(history.out()).startsWith("No transactions under " + root.resolve("var/lib/jvirtio/transactions"));
    }
}
