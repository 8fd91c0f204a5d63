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

class NetRulesTest {

    @TempDir
    Path dir;

    @Nested
    class Tap {
        private final NetTapRule rule = new NetTapRule();

        @Test
        void a_host_with_tun_and_vhost_net_passes() {
            Finding finding = TestRoot.copyOf("numa-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.PASS);
            assertThat(finding.evidence()).contains("tap interfaces: vnet0, vnet1");
        }

        @Test
        void a_host_without_vhost_net_fails_with_the_module_to_load() {
            Finding finding = TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("/dev/vhost-net missing");
            assertThat(finding.fix()).contains("modprobe vhost_net");
        }

        @Test
        void a_guest_that_cannot_run_guests_does_not_apply() {
            TestRoot root = TestRoot.copyOf("kvm-guest", dir).delete("/dev/kvm");

            assertThat(root.finding(rule, AuditContext.HOST).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class Passthrough {
        private final NetPassthroughRule rule = new NetPassthroughRule();

        @Test
        void a_host_device_in_an_iommu_group_passes_and_fails_when_the_iommu_is_off() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Finding on = root.finding(rule, "db");
            root.delete("/sys/kernel/iommu_groups");
            Finding off = root.finding(rule, "db");

            assertThat(on.outcome()).isEqualTo(Outcome.PASS);
            assertThat(on.evidence()).contains("in IOMMU group");
            assertThat(off.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(off.evidence()).contains("the IOMMU is off");
            assertThat(off.fix()).contains("intel_iommu=on");
        }

        @Test
        void no_passthrough_does_not_apply() {
            assertThat(TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST).outcome())
                    .isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class Sriov {
        private final NetDpdkSriovRule rule = new NetDpdkSriovRule();

        @Test
        void a_capable_nic_without_vfs_is_information_and_enabling_them_passes() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Finding none = root.finding(rule, AuditContext.HOST);
            root.write("/sys/class/net/eno1/device/sriov_numvfs", "4\n");
            Finding some = root.finding(rule, AuditContext.HOST);

            assertThat(none.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(none.severity()).isEqualTo(Severity.INFO);
            assertThat(none.fix()).contains("/sys/class/net/eno1/device/sriov_numvfs");
            assertThat(some.outcome()).isEqualTo(Outcome.PASS);
            assertThat(some.evidence()).contains("eno1 (ixgbe): 4 of 63 VFs");
        }

        @Test
        void no_capable_nic_does_not_apply() {
            assertThat(TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST).outcome())
                    .isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class Offload {
        private final NetOffloadRule rule = new NetOffloadRule();

        @Test
        void tso_off_on_a_nic_is_reported_and_on_passes() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Finding off = root.finding(rule, AuditContext.HOST);
            root.write("/ethtool/eno1.txt", "Features for eno1:\ntx-checksumming: on\ntcp-segmentation-offload: on\n"
                    + "generic-segmentation-offload: on\ngeneric-receive-offload: on\n");
            Finding on = root.finding(rule, AuditContext.HOST);

            assertThat(off.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(off.fix()).isEqualTo("ethtool -K eno1 tso on");
            assertThat(on.outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void a_feature_the_driver_cannot_change_is_not_held_against_it() {
            TestRoot root = TestRoot.copyOf("kvm-guest", dir).write("/ethtool/eth0.txt",
                    "Features for eth0:\ntx-checksumming: on\ntcp-segmentation-offload: off [fixed]\n");

            assertThat(root.finding(rule, AuditContext.HOST).outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void a_tree_without_ethtool_output_does_not_apply() {
            assertThat(TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST).outcome())
                    .isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }
}
