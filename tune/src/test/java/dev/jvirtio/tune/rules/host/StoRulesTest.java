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

class StoRulesTest {

    @TempDir
    Path dir;

    @Nested
    class Hostfs {
        private final StoHostfsRule rule = new StoHostfsRule();

        @Test
        void a_nobarrier_mount_is_a_data_risk_with_a_quoted_remount() {
            Finding finding = TestRoot.copyOf("numa-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.severity()).isEqualTo(Severity.RISK);
            assertThat(finding.evidence()).contains("/srv/vm images (ext4 on /dev/sdb1, nobarrier)");
            assertThat(finding.fix()).startsWith("mount -o remount,barrier=1 '/srv/vm images'");
            assertThat(finding.reason()).contains("ext3");
        }

        @Test
        void barrier_0_is_caught_too_and_mounts_with_barriers_pass() {
            TestRoot root = TestRoot.copyOf("small-host", dir);
            Finding safe = root.finding(rule, AuditContext.HOST);
            root.write("/proc/mounts", "/dev/sda1 / ext4 rw,barrier=0 0 0\n");
            Finding unsafe = root.finding(rule, AuditContext.HOST);

            assertThat(safe.outcome()).isEqualTo(Outcome.PASS);
            assertThat(safe.evidence()).contains("/var/lib/libvirt/images (ext3)");
            assertThat(unsafe.outcome()).isEqualTo(Outcome.FAIL);
        }
    }

    @Nested
    class Sched {
        private final StoSchedRule rule = new StoSchedRule();

        @Test
        void bfq_on_an_ssd_fails_while_mq_deadline_on_a_disk_and_none_on_nvme_pass() {
            TestRoot root = TestRoot.copyOf("numa-host", dir);
            Finding bfq = root.finding(rule, AuditContext.HOST);
            root.write("/sys/block/sdb/queue/scheduler", "mq-deadline kyber bfq [none]\n");
            Finding none = root.finding(rule, AuditContext.HOST);

            assertThat(bfq.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(bfq.evidence()).contains("sdb uses bfq instead of none").doesNotContain("sda uses");
            assertThat(bfq.fix()).contains("echo none > /sys/block/sdb/queue/scheduler");
            assertThat(none.outcome()).isEqualTo(Outcome.PASS);
        }

        @Test
        void a_virtio_disk_inside_a_guest_wants_none_even_when_it_claims_to_spin() {
            TestRoot root = TestRoot.copyOf("kvm-guest", dir)
                    .write("/sys/block/vda/queue/scheduler", "none [mq-deadline] kyber bfq\n")
                    .write("/sys/block/vda/queue/rotational", "1\n");

            Finding finding = root.finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("vda (virtio_blk): mq-deadline");
        }

        @Test
        void a_rotational_disk_on_bfq_wants_mq_deadline() {
            Finding finding = TestRoot.copyOf("small-host", dir).finding(rule, AuditContext.HOST);

            assertThat(finding.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(finding.evidence()).contains("sda uses bfq instead of mq-deadline");
        }

        @Test
        void only_virtual_devices_leave_nothing_to_judge() {
            TestRoot root = TestRoot.empty(dir).write("/sys/block/loop0/queue/scheduler", "[none] mq-deadline\n")
                    .link("/sys/block/loop0", "../devices/virtual/block/loop0");

            assertThat(root.finding(rule, AuditContext.HOST).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }
}
