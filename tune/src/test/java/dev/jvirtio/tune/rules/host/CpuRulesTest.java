package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CpuRulesTest {

    @TempDir
    Path dir;

    @Nested
    class Overcommit {
        private final CpuOvercommitRule rule = new CpuOvercommitRule();

        @Test
        void the_numa_host_runs_about_one_vcpu_per_cpu_and_passes() {
            Finding finding = TestRoot.copyOf("numa-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.PASS);
            assertThat(finding.evidence()).contains("on 16 CPUs");
        }

        @Test
        void a_guest_with_more_vcpus_than_four_per_cpu_makes_it_fail() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            int cpus = root.facts().cpu().online().size();
            root.domainXml("9-farm.xml", DomainXml.guest("farm", cpus * 4, 64, "", ""));

            Finding finding = root.finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("host-wide");
            assertThat(finding.fix()).contains("virsh vcpupin");
        }

        @Test
        void vcpus_stacked_on_one_pinned_cpu_make_it_fail_naming_the_cpu() {
            TestRoot root = TestRoot.copyOf("numa-host", dir)
                    .domainXml("9-stack.xml", DomainXml.guest("stack", 3, 2, DomainXml.pins("6", "6", "6"), ""));

            Finding finding = root.finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("pinned CPUs 6 carry more than");
        }

        @Test
        void without_guests_it_does_not_apply() {
            Finding finding = TestRoot.copyOf("kvm-guest", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class Cfs {
        private final CpuCfsRule rule = new CpuCfsRule();

        @Test
        void a_whole_guest_quota_below_its_vcpus_and_long_per_vcpu_stalls_fail_on_cgroup_v2() {
            Finding finding = TestRoot.copyOf("numa-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("db (v2, 8 vCPUs): cpu.max 200000 100000 = 2 CPU for 8 vCPUs");
            assertThat(finding.fix()).contains("'/sys/fs/cgroup/machine.slice/machine-qemu\\x2d2\\x2ddb.scope/cpu.max'")
                    .contains("libvirt/vcpu0/cpu.max");
        }

        @Test
        void the_same_shares_with_a_short_period_pass() {
            String scopes = "/sys/fs/cgroup/machine.slice/";
            TestRoot root = TestRoot.copyOf("numa-host", dir)
                    .write(scopes + "machine-qemu\\x2d2\\x2ddb.scope/cpu.max", "20000 10000\n")
                    .write(scopes + "machine-qemu\\x2d3\\x2dbatch.scope/libvirt/vcpu0/cpu.max", "2500 10000\n")
                    .write(scopes + "machine-qemu\\x2d3\\x2dbatch.scope/libvirt/vcpu1/cpu.max", "2500 10000\n");

            Finding finding = root.finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.PASS);
            assertThat(finding.evidence()).contains("stalls up to 7 ms");
        }

        @Test
        void a_cgroup_v1_quota_is_judged_and_fixed_with_the_v1_files() {
            Finding finding = TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("legacy (v1, 2 vCPUs): cfs_quota_us 50000/cfs_period_us 100000");
            assertThat(finding.fix()).contains("cpu.cfs_period_us").contains("cpu.cfs_quota_us");
        }

        @Test
        void a_guest_cputune_quota_with_a_long_period_fails_and_a_short_one_passes() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            assertThat(root.finding(rule, "batch").outcome()).isEqualTo(Outcome.FAIL);

            root.domainXml("3-batch.xml", DomainXml.guest("batch", 2, 4,
                    "  <cputune>\n    <period>10000</period>\n    <quota>2500</quota>\n  </cputune>\n", ""));

            assertThat(root.finding(rule, "batch").outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void a_guest_without_vm_cgroups_does_not_apply() {
            assertThat(TestRoot.copyOf("kvm-guest", dir).finding(rule, AuditContext.HOST).outcome())
                    .isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class Pin {
        private final CpuPinRule rule = new CpuPinRule();

        @Test
        void unpinned_guests_on_a_two_node_host_fail_with_pins_from_one_cache_group() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Finding finding = root.finding(rule, "db");

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("no vCPU of the 8 is pinned");
            assertThat(finding.fix()).contains("<vcpupin vcpu='7'").contains("virsh emulatorpin db");
        }

        @Test
        void a_pin_spanning_nodes_and_a_core_shared_with_another_guest_fail() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            int cpuOfWeb = 1;
            int sibling = root.facts().cpu().siblingsOf(cpuOfWeb).toArray()[1];

            Finding batch = root.finding(rule, "batch");
            Finding web = root.finding(rule, "web");

            assertThat(batch.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(batch.evidence()).contains("spans NUMA nodes");
            assertThat(web.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(web.evidence()).contains("on CPU " + cpuOfWeb + " shares a core with guest batch on sibling CPU "
                    + sibling);
        }

        @Test
        void pins_inside_one_cache_group_without_shared_cores_pass() {
            TestRoot root = TestRoot.copyOf("numa-host", dir)
                    .domainXml("3-batch.xml", DomainXml.guest("batch", 2, 4, DomainXml.pins("4", "5"), ""));

            assertThat(root.finding(rule, "web").outcome()).isEqualTo(Outcome.PASS);
            assertThat(root.finding(rule, "batch").outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void a_running_qemu_pinned_through_its_thread_affinity_counts_as_pinned() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            for (int tid = 5160; tid <= 5161; tid++) {
                root.write("/proc/5151/task/" + tid + "/status", "Cpus_allowed_list:\t" + (tid - 5160 + 6) + "\n");
            }

            Finding scratch = root.finding(rule, "scratch");

            assertThat(scratch.outcome()).isEqualTo(Outcome.PASS);
            assertThat(scratch.evidence()).contains("thread affinity of pid 5151");
        }

        @Test
        void a_one_node_host_with_one_last_level_cache_does_not_apply() {
            assertThat(TestRoot.copyOf("small-host", dir).finding(rule, "legacy").outcome())
                    .isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }
}
