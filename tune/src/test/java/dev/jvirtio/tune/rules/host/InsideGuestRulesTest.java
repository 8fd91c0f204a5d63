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

/** The guest-side practices judged from inside a guest (the kvm-guest tree was captured in one). */
class InsideGuestRulesTest {

    @TempDir
    Path dir;

    @Nested
    class Disks {
        private final GuestDiskDriverRule rule = new GuestDiskDriverRule();

        @Test
        void a_virtio_blk_disk_passes_and_an_emulated_sata_disk_fails() {
            TestRoot root = TestRoot.copyOf("kvm-guest", dir);
            Finding virtio = root.finding(rule, AuditContext.HOST);
            root.write("/sys/block/sda/queue/scheduler", "[mq-deadline] none\n")
                    .link("/sys/block/sda", "../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda")
                    .link("/sys/block/sda/device/driver", "../../../../../../../bus/scsi/drivers/sd");
            Finding emulated = root.finding(rule, AuditContext.HOST);

            assertThat(virtio.outcome()).isEqualTo(Outcome.PASS);
            assertThat(virtio.evidence()).contains("vda: virtio_blk");
            assertThat(emulated.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(emulated.evidence()).contains("Emulated: sda");
        }

        @Test
        void on_a_host_it_does_not_apply() {
            assertThat(TestRoot.copyOf("numa-host", dir).finding(rule, AuditContext.HOST).outcome())
                    .isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class Nics {
        private final GuestNicDriverRule rule = new GuestNicDriverRule();

        @Test
        void virtio_net_passes_and_e1000_fails() {
            TestRoot root = TestRoot.copyOf("kvm-guest", dir);
            Finding virtio = root.finding(rule, AuditContext.HOST);
            root.link("/sys/class/net/eth0/device/driver", "../../../../bus/pci/drivers/e1000");
            Finding e1000 = root.finding(rule, AuditContext.HOST);

            assertThat(virtio.outcome()).isEqualTo(Outcome.PASS);
            assertThat(e1000.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(e1000.evidence()).contains("eth0 (e1000)");
        }
    }

    @Nested
    class Balloon {
        private final GuestBalloonDriverRule rule = new GuestBalloonDriverRule();

        @Test
        void a_bound_balloon_passes_an_unbound_one_and_a_missing_one_fail() {
            TestRoot root = TestRoot.copyOf("kvm-guest", dir);
            String balloon = root.facts().virtioDevices().stream().filter(d -> d.deviceId() == 5).findFirst()
                    .orElseThrow().name();
            Finding bound = root.finding(rule, AuditContext.HOST);
            root.link("/sys/bus/virtio/devices/" + balloon + "/driver", "");
            Finding unbound = root.finding(rule, AuditContext.HOST);
            root.delete("/sys/bus/virtio/devices/" + balloon);
            Finding missing = root.finding(rule, AuditContext.HOST);

            assertThat(bound.outcome()).isEqualTo(Outcome.PASS);
            assertThat(unbound.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(unbound.evidence()).contains("no driver bound");
            assertThat(missing.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(missing.evidence()).contains("none is a balloon");
        }
    }
}
