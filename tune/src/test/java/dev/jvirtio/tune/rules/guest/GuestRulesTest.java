package dev.jvirtio.tune.rules.guest;

import static dev.jvirtio.tune.rules.guest.Audits.cmdline;
import static dev.jvirtio.tune.rules.guest.Audits.domain;
import static dev.jvirtio.tune.rules.guest.Audits.judge;
import static dev.jvirtio.tune.rules.guest.Audits.xml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.QemuCommandLineParser;
import dev.jvirtio.tune.guest.ShellWords;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestRulesTest {

    @TempDir
    static Path root;

    static Guest good;
    static Guest bad;
    static Guest passthrough;
    static Guest legacy;
    static Guest modern;

    @BeforeAll
    static void guests() throws Exception {
        Audits.host(root, "never");
        good = xml("good.xml");
        bad = xml("bad.xml");
        passthrough = xml("passthrough.xml");
        legacy = cmdline("legacy.cmdline");
        modern = cmdline("modern.cmdline");
    }

    private static void fails(Finding f, Severity severity, String evidence) {
        assertThat(f.outcome()).as(f.toString()).isEqualTo(Outcome.FAIL);
        assertThat(f.severity()).as(f.toString()).isEqualTo(severity);
        assertThat(f.evidence()).contains(evidence);
        assertThat(f.fix()).isNotBlank();
        assertThat(f.reason()).isNotBlank();
    }

    private static void passes(Finding f) {
        assertThat(f.outcome()).as(f.toString()).isEqualTo(Outcome.PASS);
        assertThat(f.fix()).isEmpty();
    }

    @Test
    void everyRuleJudgesEveryGuestOnceUnderItsOwnIdAndExplainsItself() {
        List<Rule> rules = new ArrayList<>();
        for (String name : GuestRuleCatalogFile.classNames()) {
            rules.add(GuestRuleCatalogFile.instantiate(name));
        }
        assertThat(rules).extracting(r -> r.info().id()).doesNotHaveDuplicates().contains("VIRTIO-PV", "STO-ALIGN");
        List<Guest> all = List.of(good, bad, passthrough, legacy, modern);
        for (Rule rule : rules) {
            assertThat(rule.info().explanation()).startsWith(rule.info().id() + ":");
            List<Finding> findings = rule.evaluate(Audits.context(root, all.toArray(Guest[]::new)));
            assertThat(findings).extracting(Finding::subject).as(rule.info().id())
                    .containsExactly("good", "bad", "passthrough", "legacy", "modern");
            assertThat(findings).allSatisfy(f -> assertThat(f.rule()).isEqualTo(rule.info().id()));
        }
    }

    @Nested
    class ParavirtualDevices {
        final Rule rule = new ParavirtualDevicesRule();

        @Test
        void firesOnAnIdeDiskAndAnE1000() {
            Finding f = judge(rule, root, bad);
            fails(f, Severity.WARN, "disk hda on ide");
            assertThat(f.evidence()).contains("NIC e1000");
            assertThat(f.fix()).contains("<target dev='vda' bus='virtio'/>");
        }

        @Test
        void passesWhenOnlyACdromIsOnSata() {
            passes(judge(rule, root, good));
        }
    }

    @Nested
    class NetworkModel {
        final Rule rule = new NetworkModelRule();

        @Test
        void firesOnE1000() {
            fails(judge(rule, root, bad), Severity.WARN, "e1000 on network");
        }

        @Test
        void passesOnVirtioAndIgnoresPassthroughNics() {
            passes(judge(rule, root, good));
            assertThat(judge(rule, root, passthrough).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class QemuSyntax {
        final Rule rule = new QemuSyntaxRule();

        @Test
        void firesOnThe2020CommandLineAndItsSuggestionsParseAsModernSyntax() {
            Finding f = judge(rule, root, legacy);
            fails(f, Severity.INFO, "-balloon virtio");
            List<String> argv = new ArrayList<>(List.of("qemu-system-x86_64"));
            for (String line : f.fix().split("\n")) {
                String modernPart = line.substring(line.indexOf("->") + 2).replaceAll("\\(.*\\)", "");
                argv.addAll(ShellWords.split(modernPart));
            }
            Guest rewritten = QemuCommandLineParser.parse(argv, "rewritten.cmdline");
            assertThat(rewritten.legacyOptions()).isEmpty();
            assertThat(rewritten.balloon()).isNotNull();
            assertThat(rewritten.disks()).extracting(d -> d.path()).containsExactlyElementsOf(
                    legacy.disks().stream().map(d -> d.path()).toList());
            assertThat(rewritten.disks().get(0).bus()).isEqualTo("virtio");
            assertThat(rewritten.disks().get(0).format()).as("guessed from img.qcow2").isEqualTo("qcow2");
            assertThat(f.fix()).contains("check the format: qemu-img info img.qcow2");
            assertThat(rewritten.nics()).singleElement().satisfies(n -> {
                assertThat(n.model()).isEqualTo("virtio");
                assertThat(n.vhost()).isTrue();
                assertThat(n.ifname()).isEqualTo("tap0");
            });
        }

        @Test
        void passesOnTheModernSyntaxAndLeavesLibvirtAlone() {
            passes(judge(rule, root, modern));
            assertThat(judge(rule, root, good).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class DiskNames {
        final Rule rule = new DiskNamesRule();

        @Test
        void firesWhenAnIdeTargetIsNamedHdaButLinuxCallsItSda() {
            Finding f = judge(rule, root, bad);
            fails(f, Severity.INFO, "hda (ide) -> /dev/sda");
            assertThat(f.evidence()).contains("target vdb will be /dev/vda");
        }

        @Test
        void passesWhenTargetsMatch() {
            Finding f = judge(rule, root, good);
            passes(f);
            assertThat(f.evidence()).contains("vda (virtio) -> /dev/vda").contains("vdb (virtio) -> /dev/vdb");
        }
    }

    @Nested
    class DataPlane {
        final Rule rule = new DataPlaneRule();

        @Test
        void firesOnAVirtioDiskWithoutIothread() {
            fails(judge(rule, root, bad), Severity.INFO, "without an IOThread: vdb");
        }

        @Test
        void passesWhenEveryVirtioDiskHasOne() {
            passes(judge(rule, root, good));
            passes(judge(rule, root, modern));
        }
    }

    @Nested
    class QueueCount {
        final Rule rule = new QueueCountRule();

        @Test
        void firesOnASingleQueueNicOfAFourVcpuGuest() {
            fails(judge(rule, root, bad), Severity.INFO, "4 vCPUs but NIC user has 1 queue pair");
        }

        @Test
        void firesOnAnExplicitlySmallDiskQueueCount() throws Exception {
            Guest g = domain("q", "<vcpu>8</vcpu><devices><disk type='block'><driver name='qemu' type='raw' queues='2'/>"
                    + "<source dev='/dev/sdz'/><target dev='vda' bus='virtio'/></disk></devices>");
            fails(judge(rule, root, g), Severity.INFO, "vda has 2 queues");
        }

        @Test
        void passesWithAQueuePerVcpuAndSkipsOneVcpuGuests() {
            passes(judge(rule, root, good));
            assertThat(judge(rule, root, legacy).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Nested
    class BalloonDevice {
        final Rule rule = new BalloonRule();

        @Test
        void firesWhenTheBalloonIsDisabled() {
            fails(judge(rule, root, bad), Severity.INFO, "balloon model='none'");
        }

        @Test
        void passesWithAVirtioBalloonAndSkipsPinnedMemory() throws Exception {
            passes(judge(rule, root, domain("b", "<memory unit='GiB'>2</memory><devices>"
                    + "<memballoon model='virtio'/></devices>")));
            assertThat(judge(rule, root, passthrough).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
            assertThat(judge(rule, root, good).evidence()).contains("hugetlbfs");
        }
    }

    @Nested
    class TapBackend {
        final Rule rule = new TapBackendRule();

        @Test
        void firesOnUserNetworkingAndOnATapWithoutVhost() {
            fails(judge(rule, root, bad), Severity.WARN, "user-mode networking");
            fails(judge(rule, root, legacy), Severity.WARN, "virtio on tap tap0 without vhost-net");
        }

        @Test
        void passesOnABridgeWithVhostNet() {
            passes(judge(rule, root, good));
            passes(judge(rule, root, modern));
        }
    }

    @Nested
    class Passthrough {
        final Rule rule = new PassthroughRule();

        @Test
        void firesOnHostdevsAndSaysTheHostShowsNoIommu() {
            Finding f = judge(rule, root, passthrough);
            fails(f, Severity.WARN, "0000:05:10.1, 0000:03:00.0");
            assertThat(f.evidence()).contains("no IOMMU groups");
        }

        @Test
        void passesWithoutPassthroughDevices() {
            passes(judge(rule, root, good));
        }
    }

    @Nested
    class CacheMode {
        final Rule rule = new CacheModeRule();

        @Test
        void cacheUnsafeIsADataRisk() {
            Finding f = judge(rule, root, bad);
            fails(f, Severity.RISK, "vdb: cache=unsafe");
            assertThat(f.evidence()).contains("hda: cache=writeback io=threads (default)");
        }

        @Test
        void defaultCacheIsAWarning() throws Exception {
            Guest g = domain("w", "<devices><disk type='file'><source file='/i/w.img'/>"
                    + "<target dev='vda' bus='virtio'/></disk></devices>");
            fails(judge(rule, root, g), Severity.WARN, "cache=writeback (default)");
        }

        @Test
        void passesWithNoneAndNativeOrIoUring() {
            passes(judge(rule, root, good));
            passes(judge(rule, root, modern));
        }
    }

    @Nested
    class ImageFormat {
        final Rule rule = new ImageFormatRule();

        @Test
        void qcow2IsInformation() {
            fails(judge(rule, root, bad), Severity.INFO, "qcow2: hda (/var/lib/libvirt/images/bad.qcow2)");
        }

        @Test
        void anUndeclaredFormatIsARisk() {
            fails(judge(rule, root, legacy), Severity.RISK, "QEMU probes it: vda (img.qcow2)");
        }

        @Test
        void passesOnRaw() {
            passes(judge(rule, root, good));
        }
    }

    @Nested
    class BlockDevice {
        final Rule rule = new BlockDeviceRule();

        @Test
        void firesOnImageFiles() {
            fails(judge(rule, root, bad), Severity.INFO, "image files: hda");
        }

        @Test
        void passesOnBlockDevices() {
            passes(judge(rule, root, good));
        }
    }

    @Nested
    class GuestHugePages {
        final Rule rule = new GuestHugePagesRule();

        @Test
        void firesOnAnEightGibGuestWithoutHugePagesOnAHostWithoutThp() {
            Finding f = judge(rule, root, bad);
            fails(f, Severity.INFO, "8.0 GiB on ordinary 4 KiB pages");
            assertThat(f.evidence()).contains("'never'");
            assertThat(f.fix()).contains("vm.nr_hugepages=4096");
        }

        @Test
        void passesOnHugetlbfsOrOnAHostWithThpMadvise(@TempDir Path madviseRoot) throws Exception {
            passes(judge(rule, root, good));
            Audits.host(madviseRoot, "madvise");
            assertThat(judge(rule, madviseRoot, bad).evidence()).contains("THP mode 'madvise'");
            passes(judge(rule, madviseRoot, bad));
        }

        @Test
        void smallGuestsAreNotJudged() {
            assertThat(judge(rule, root, passthrough).outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }

    @Test
    void noGuestsGiveNoFindings(@TempDir Path empty) throws Exception {
        Files.createDirectories(empty);
        assertThat(new CacheModeRule().evaluate(Audits.context(empty))).isEmpty();
    }
}
