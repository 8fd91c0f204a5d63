package dev.jvirtio.tune.apply;

import dev.jvirtio.tune.audit.Audit;
import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.guest.DomainXmlParser;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.LibvirtSession;
import dev.jvirtio.tune.guest.VcpuPin;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.plan.Change;
import dev.jvirtio.tune.plan.DomainEdit;
import dev.jvirtio.tune.plan.LibvirtDomain;
import dev.jvirtio.tune.plan.LiveVcpuPin;
import dev.jvirtio.tune.plan.Plan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static dev.jvirtio.tune.apply.Transactions.apply;
import static dev.jvirtio.tune.apply.Transactions.plan;
import static dev.jvirtio.tune.apply.Transactions.stillFailing;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The libvirt path against libvirt's own test driver ({@code test:///default}), whose running
 * domain {@code test} lives as long as one connection of this process stays open.
 */
class LibvirtApplyTest {

    private static final String URI = "test:///default";

    @TempDir
    Path dir;

    @Test
    void a_libvirt_domain_is_defined_anew_pinned_live_and_restored_by_rollback() throws Exception {
        try (LibvirtSession held = LibvirtSession.open(URI, false)) {
            String definedBefore = held.persistentXml("test", true);
            List<CpuSet> pinsBefore = held.vcpuPins("test");
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Plan plan = plan(root, List.of(URI));
            List<Change> forTest = plan.applicable().stream().filter(c -> c.subject().equals("test")).toList();
            assertThat(forTest).filteredOn(DomainEdit.class::isInstance)
                    .allSatisfy(c -> assertThat(((DomainEdit) c).domain()).isEqualTo(new LibvirtDomain(URI, "test")))
                    .extracting(Change::rule).contains("STO-CACHE", "CPU-PIN");
            LiveVcpuPin live = forTest.stream().filter(LiveVcpuPin.class::isInstance).map(LiveVcpuPin.class::cast)
                    .findFirst().orElseThrow();

            ApplyResult result = apply(plan, root);

            assertThat(result.succeeded()).as(result.failure()).isTrue();
            Guest defined = DomainXmlParser.parse(held.persistentXml("test", false), URI);
            assertThat(defined.vcpuPins()).extracting(VcpuPin::cpuset).containsExactlyElementsOf(live.after());
            assertThat(defined.disks().getFirst().cache()).isEqualTo("none");
            assertThat(held.vcpuPins("test")).extracting(CpuSet::toString).containsExactlyElementsOf(live.after());
            // The domain runs: what changed is its definition, which it takes at its next start.
            assertThat(plan.notes()).anySatisfy(n -> assertThat(n).startsWith("test runs: "));
            Path definition = Files.writeString(dir.resolve("test.xml"), held.persistentXml("test", false));
            assertThat(stillFailing(plan, Audit.of(FactRoot.of(root.path())).domainXml(definition).run())
                    .stream().filter(f -> f.subject().equals("test")).toList()).isEmpty();
            assertThat(plan(root, List.of(URI)).applicable()).as("a second plan").isEmpty();

            RollbackResult rollback = Rollback.rollback(root.path(), Optional.empty(), false, line -> { });

            assertThat(rollback.succeeded()).as(rollback.message()).isTrue();
            assertThat(held.persistentXml("test", true)).isEqualTo(definedBefore);
            assertThat(held.vcpuPins("test")).isEqualTo(pinsBefore);
        }
    }
}
