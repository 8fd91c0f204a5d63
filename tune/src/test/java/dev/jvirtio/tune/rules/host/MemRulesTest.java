package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import dev.jvirtio.tune.rule.Severity;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MemRulesTest {

    @TempDir
    Path dir;

    private static final String SWAP = "Filename\tType\tSize\tUsed\tPriority\n/dev/vdb partition\t1048572\t0\t-2\n";

    @Nested
    class Ksm {
        private final MemKsmRule rule = new MemKsmRule();

        @Test
        void ksm_merging_across_the_nodes_of_a_numa_host_fails() {
            Finding finding = TestRoot.copyOf("numa-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("merged across NUMA nodes");
            assertThat(finding.fix()).contains("merge_across_nodes");
        }

        @Test
        void ksm_scanning_while_the_guests_fit_in_memory_fails() {
            TestRoot root = TestRoot.copyOf("numa-host", dir).write("/sys/kernel/mm/ksm/merge_across_nodes", "0\n");

            Finding finding = root.finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("scans although the guests' memory fits");
        }

        @Test
        void ksm_stopped_while_memory_is_not_overcommitted_passes() {
            TestRoot root = TestRoot.copyOf("numa-host", dir).write("/sys/kernel/mm/ksm/run", "0\n");

            assertThat(root.finding(rule, AuditContext.HOST).outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void a_kernel_without_ksm_passes_and_says_so() {
            Finding finding = TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.PASS);
            assertThat(finding.evidence()).contains("CONFIG_KSM is not set");
        }

        @Test
        void ksm_stopped_while_guests_overcommit_memory_is_reported_as_information() {
            TestRoot root = TestRoot.copyOf("numa-host", dir).write("/sys/kernel/mm/ksm/run", "0\n");
            long hostGiB = root.facts().memory().totalKiB().getAsLong() >> 20;
            root.domainXml("9-huge.xml", DomainXml.guest("huge", 4, (int) hostGiB + 1, "", ""));

            Finding finding = root.finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.severity()).isEqualTo(Severity.INFO);
        }
    }

    @Nested
    class Swap {
        private final MemSwapRule rule = new MemSwapRule();

        @Test
        void the_default_60_on_a_host_with_swap_fails_and_recommends_10() {
            Finding finding = TestRoot.copyOf("numa-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.fix()).contains("vm.swappiness=" + MemSwapRule.HOST_VALUE);
        }

        @Test
        void zero_fails_with_the_linux_3_5_explanation() {
            Finding finding = TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("Linux 3.5");
            assertThat(finding.reason()).contains("2020");
        }

        @Test
        void ten_on_a_host_passes() {
            TestRoot root = TestRoot.copyOf("small-host", dir).write("/proc/sys/vm/swappiness", "10\n");

            assertThat(root.finding(rule, AuditContext.HOST).outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void inside_a_guest_with_swap_the_target_is_about_30() {
            TestRoot root = TestRoot.copyOf("kvm-guest", dir).write("/proc/swaps", SWAP)
                    .write("/proc/sys/vm/swappiness", "60\n");
            Finding fails = root.finding(rule, AuditContext.HOST);
            root.write("/proc/sys/vm/swappiness", "30\n");
            Finding passes = root.finding(rule, AuditContext.HOST);

            assertThat(fails.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(fails.fix()).contains("vm.swappiness=" + MemSwapRule.GUEST_VALUE);
            assertThat(passes.outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void without_swap_the_value_cannot_hurt_and_passes() {
            Finding finding = TestRoot.copyOf("kvm-guest", dir).write("/proc/swaps", "Filename\tType\n")
                    .finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.PASS);
            assertThat(finding.evidence()).contains("no swap area");
        }
    }

    @Nested
    class Numa {
        private final MemNumaRule rule = new MemNumaRule();

        @Test
        void a_guest_bound_to_one_node_passes_and_an_unbound_one_fails() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);

            assertThat(root.finding(rule, "web").outcome()).isEqualTo(Outcome.PASS);
            Finding db = root.finding(rule, "db");
            assertThat(db.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(db.evidence()).contains("neither vCPUs nor memory are bound");
            assertThat(db.fix()).contains("<memory mode='strict' nodeset=");
        }

        @Test
        void vcpus_on_one_node_with_memory_on_the_other_fail() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            var node0 = root.facts().nodes().get(0).cpus().toArray();
            root.domainXml("3-batch.xml", DomainXml.guest("batch", 2, 4,
                    DomainXml.pins(Integer.toString(node0[0]), Integer.toString(node0[1])) + DomainXml.numatune("1"), ""));

            Finding finding = root.finding(rule, "batch");

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("vCPUs run on nodes 0 but memory comes from nodes 1");
        }

        @Test
        void a_one_node_host_does_not_apply() {
            assertThat(TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST).outcome())
                    .isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class ZoneReclaim {
        private final MemZoneReclaimRule rule = new MemZoneReclaimRule();

        @Test
        void zone_reclaim_on_a_numa_host_fails_and_zero_passes() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Finding on = root.finding(rule, AuditContext.HOST);
            root.write("/proc/sys/vm/zone_reclaim_mode", "0\n");
            Finding off = root.finding(rule, AuditContext.HOST);

            assertThat(on.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(on.fix()).contains("vm.zone_reclaim_mode=0");
            assertThat(off.outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void one_node_does_not_apply_even_with_it_on() {
            TestRoot root = TestRoot.copyOf("small-host", dir).write("/proc/sys/vm/zone_reclaim_mode", "1\n");

            assertThat(root.finding(rule, AuditContext.HOST).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class Hugepages {
        private final MemHugepagesRule rule = new MemHugepagesRule();

        @Test
        void a_node_pool_holding_the_guests_pages_passes_and_a_short_one_fails() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Finding enough = root.finding(rule, "web");
            String pool = "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages";
            root.write(pool, "1000\n");
            Finding shortOfPages = root.finding(rule, "web");

            assertThat(enough.outcome()).isEqualTo(Outcome.PASS);
            assertThat(shortOfPages.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(shortOfPages.evidence()).contains("pool on nodes 0: 1000 pages");
            assertThat(shortOfPages.fix()).contains(pool);
        }

        @Test
        void thp_never_fails_and_madvise_passes() {
            TestRoot root = TestRoot.copyOf("small-host", dir);
            Finding never = root.finding(rule, AuditContext.HOST);
            root.write("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
            Finding madvise = root.finding(rule, AuditContext.HOST);

            assertThat(never.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(never.fix()).contains("echo madvise > /sys/kernel/mm/transparent_hugepage/enabled");
            assertThat(madvise.outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void a_reserved_pool_no_guest_uses_is_reported_as_information() {
            TestRoot root = TestRoot.copyOf("small-host", dir)
                    .write("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n")
                    .write("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n");

            Finding finding = root.finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.severity()).isEqualTo(Severity.INFO);
            assertThat(finding.evidence()).contains("1 GiB reserved");
        }
    }
}
