package dev.jvirtio.tune.apply;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.fixture.TreeHash;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Any one byte of a journal changed (but its final newline, whose loss only looks like a crash
 * after the last record) makes rollback refuse, and the tree stays as it was.
 */
class JournalProperties {

    private static Path dir;
    private static TestRoot root;
    private static String id;
    private static byte[] journal;
    private static Map<String, String> applied;

    @BeforeContainer
    static void applyOnce() throws IOException {
        dir = Files.createTempDirectory("journal-properties");
        root = TestRoot.copyOf("kvm-guest", dir);
        id = Transactions.apply(Transactions.plan(root), root).transaction().orElseThrow();
        journal = Files.readAllBytes(Transactions.journal(root, id));
        applied = TreeHash.of(root.path());
    }

    @AfterContainer
    static void removeTree() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, journal.length - 2);
    }

    @Property(tries = 60)
    void a_changed_byte_is_refused_and_nothing_changes(@ForAll("positions") int position,
                                                       @ForAll("bytes") byte value) throws IOException {
        byte[] forged = journal.clone();
        forged[position] = value == forged[position] ? (byte) (value ^ 0x20) : value;
        Files.write(Transactions.journal(root, id), forged);
        try {
            assertThatThrownBy(() -> Rollback.rollback(root.path(), Optional.of(id), false, l -> { }))
                    .isInstanceOf(JournalException.class).hasMessageContaining(id);
            assertThat(TreeHash.of(root.path())).isEqualTo(applied);
        } finally {
            Files.write(Transactions.journal(root, id), journal);
        }
    }

    @Provide
    Arbitrary<Byte> bytes() {
        return Arbitraries.bytes();
    }
}
