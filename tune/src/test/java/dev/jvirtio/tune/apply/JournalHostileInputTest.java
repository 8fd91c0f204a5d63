package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.fixture.TreeHash;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.jvirtio.tune.apply.Transactions.apply;
import static dev.jvirtio.tune.apply.Transactions.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A journal is read before anything is undone; one that jvirtio did not write exactly so (a flipped
 * byte, a record pointing outside the root, records out of order) is refused with a sentence
 * naming the transaction and line, and nothing is changed.
 */
class JournalHostileInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private TestRoot root;
    private String id;
    private Path journal;
    private Map<String, String> applied;

    @BeforeEach
    void applyOnce() {
        root = TestRoot.copyOf("small-host", dir);
        id = apply(plan(root), root).transaction().orElseThrow();
        journal = Transactions.journal(root, id);
        applied = TreeHash.of(root.path());
    }

    @Test
    void a_flipped_byte_is_refused_and_nothing_changes() throws Exception {
        byte[] bytes = Files.readAllBytes(journal);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(journal, bytes);

        assertThatThrownBy(() -> Rollback.rollback(root.path(), Optional.of(id), false, l -> { }))
                .isInstanceOf(JournalException.class)
                .hasMessageStartingWith("The journal of transaction " + id + " is damaged at line ")
                .hasMessageContaining("checksum");
        assertThat(TreeHash.of(root.path())).isEqualTo(applied);
        assertThat(TransactionStore.at(root.path()).list()).singleElement()
                .satisfies(t -> assertThat(t.state()).startsWith("damaged: "));
    }

    @Test
    void a_journal_copied_from_another_root_is_refused() throws Exception {
        TestRoot other = TestRoot.copyOf("kvm-guest", dir);
        Path target = other.path().resolve(TransactionStore.DIR).resolve(id);
        Files.createDirectories(target);
        Files.copy(journal, target.resolve(Journal.FILE));
        Map<String, String> before = TreeHash.of(other.path());

        assertThatThrownBy(() -> Rollback.rollback(other.path(), Optional.of(id), false, l -> { }))
                .isInstanceOf(JournalException.class).hasMessageContaining("was made for root " + root.path());
        assertThat(TreeHash.of(other.path())).isEqualTo(before);
    }

    static Stream<Arguments> forgeries() {
        return Stream.of(
                forgery("a file outside the root", "lies outside the root",
                        change(step -> step.put("path", "/etc/passwd"))),
                forgery("a path climbing out of the root", "not normalized",
                        change(step -> step.put("path", step.get("path").asText() + "/../../../../../../etc/passwd"))),
                forgery("a relative path", "not absolute", change(step -> step.put("path", "etc/passwd"))),
                forgery("an unknown kind of step", "step kind 'shell' is unknown",
                        change(step -> step.put("kind", "shell"))),
                forgery("content that is not base64", "not base64", change(step -> step.put("after", "%%%"))),
                forgery("a mode that is not a permission", "not a permission string",
                        change(step -> step.put("mode", "rwsrwsrwt"))),
                forgery("a directory that does not hold the file", "does not contain",
                        change(step -> step.putArray("createdDirs").add(step.get("path").asText() + "-elsewhere"))),
                forgery("a later version", "not one this jvirtio reads", records -> {
                    records.getFirst().put("version", 2);
                    return records;
                }),
                forgery("a change announced twice", "out of order", records -> {
                    records.add(2, records.get(1).deepCopy());
                    return records;
                }),
                forgery("a record for a change never announced", "never announced", records -> {
                    records.get(2).put("seq", 99);
                    return records;
                }),
                forgery("no beginning", "does not begin", records -> {
                    records.removeFirst();
                    return records;
                }),
                forgery("a record of an unknown type", "'shell' is unknown", records -> {
                    records.get(1).put("type", "shell");
                    return records;
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgeries")
    void a_forged_record_with_a_valid_checksum_is_refused_and_nothing_changes(String what, String reason,
            UnaryOperator<List<ObjectNode>> forge) throws Exception {
        List<ObjectNode> records = new ArrayList<>();
        for (String json : Transactions.records(journal)) {
            records.add((ObjectNode) JSON.readTree(json));
        }
        Transactions.write(journal, forge.apply(records).stream().map(ObjectNode::toString).toList());

        assertThatThrownBy(() -> Rollback.rollback(root.path(), Optional.of(id), false, l -> { }))
                .as(what).isInstanceOf(JournalException.class).hasMessageContaining(id).hasMessageContaining(reason);
        assertThat(TreeHash.of(root.path())).isEqualTo(applied);
    }

    private static Arguments forgery(String what, String reason, UnaryOperator<List<ObjectNode>> forge) {
        return Arguments.of(what, reason, forge);
    }

    /** Edits the step of the first announced change, which writes a file of the tree. */
    private static UnaryOperator<List<ObjectNode>> change(java.util.function.Consumer<ObjectNode> edit) {
        return records -> {
            ObjectNode first = records.stream().filter(r -> r.get("type").asText().equals("change")
                    && r.get("step").get("kind").asText().equals("file")).findFirst().orElseThrow();
            edit.accept((ObjectNode) first.get("step"));
            return records;
        };
    }
}
