package dev.jvirtio.tune.audit;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.report.AuditReport;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleCatalog;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuditTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"numa-host", "small-host", "kvm-guest"})
    void every_rule_judges_every_fixture_without_failing_itself(String fixture) {
        AuditReport report = TestRoot.copyOf(fixture, dir).audit();

        assertThat(report.findings()).isNotEmpty()
                .noneSatisfy(f -> assertThat(f.evidence()).contains("could not judge"));
        for (Rule rule : RuleCatalog.standard().rules()) {
            boolean judgesTheMachine = rule.getClass().getPackageName().endsWith(".rules.host");
            if (judgesTheMachine || !report.bySubject().keySet().equals(java.util.Set.of(AuditContext.HOST))) {
                assertThat(report.findings()).as(rule.info().id())
                        .anySatisfy(f -> assertThat(f.rule()).isEqualTo(rule.info().id()));
            }
        }
        assertThat(report.notes()).isEmpty();
    }

    @Test
    void the_guests_of_a_tree_are_its_stored_configurations_and_its_running_qemus_once_each() {
        AuditReport report = TestRoot.copyOf("numa-host", dir).audit();

        assertThat(report.bySubject().keySet()).containsExactly(AuditContext.HOST, "web", "db", "batch", "scratch");
    }

    @Test
    void a_malformed_domain_xml_given_by_the_user_is_a_clear_error() throws IOException {
        Path xml = Files.writeString(dir.resolve("broken.xml"), "<domain><name>x</name>");

        assertThatThrownBy(() -> Audit.of(FactRoot.of(TestRoot.copyOf("small-host", dir).path())).domainXml(xml).run())
                .isInstanceOf(GuestConfigException.class).hasMessageContaining("broken.xml");
    }

    @Test
    void a_broken_configuration_stored_in_a_capture_becomes_a_note() {
        TestRoot root = TestRoot.copyOf("small-host", dir).domainXml("9-broken.xml", "<domain>");

        AuditReport report = root.audit();

        assertThat(report.notes()).anySatisfy(note -> assertThat(note).contains("9-broken.xml"));
        assertThat(report.findings()).isNotEmpty();
    }

    @Test
    void a_rule_that_throws_is_reported_and_the_audit_goes_on() throws GuestConfigException {
        Rule broken = new Rule() {
            @Override
            public RuleInfo info() {
                return new RuleInfo("TEST-BROKEN", "CPU", "broken", Severity.WARN, "");
            }

            @Override
            public List<Finding> evaluate(AuditContext context) {
                throw new IllegalStateException("boom");
            }
        };
        RuleCatalog catalog = RuleCatalog.of(List.of(broken, RuleCatalog.standard().byId("MEM-SWAP").getFirst()));

        AuditReport report = Audit.of(FactRoot.of(TestRoot.copyOf("small-host", dir).path())).rules(catalog).run();

        assertThat(report.findings()).hasSize(2);
        assertThat(report.findings()).filteredOn(f -> f.rule().equals("TEST-BROKEN")).singleElement()
                .satisfies(f -> {
                    assertThat(f.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
                    assertThat(f.evidence()).contains("could not judge").contains("boom");
                });
    }

    /** Every file of a real tree replaced with one kind of garbage: the audit still completes. */
    @ParameterizedTest
    @ValueSource(strings = {"", "-1\n", "99999999999999999999999\n", "[[[ ]]]\n", "0-4294967295\n", "binary",
            "\t:\n:\t\n", "max max max\n"})
    void hostile_file_contents_never_break_the_audit(String garbage) throws IOException {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        Random random = new Random(garbage.hashCode());
        try (Stream<Path> files = Files.walk(root.path())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                byte[] content = garbage.equals("binary") ? randomBytes(random) : garbage.getBytes();
                Files.write(file, content);
            }
        }

        AuditReport report = root.audit();

        assertThat(report.findings()).isNotEmpty()
                .noneSatisfy(f -> assertThat(f.evidence()).contains("could not judge"));
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
        return bytes;
    }
}
