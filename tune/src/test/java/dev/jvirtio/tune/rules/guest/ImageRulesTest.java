package dev.jvirtio.tune.rules.guest;

import static dev.jvirtio.tune.rules.guest.Audits.domain;
import static dev.jvirtio.tune.rules.guest.Audits.judge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.image.TestDisks;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STO-ALIGN and STO-IMAGE against images made with qemu-img and sfdisk. */
class ImageRulesTest {

    @TempDir
    static Path dir;
    static Path root;

    @BeforeAll
    static void tools() throws Exception {
        TestDisks.requireTools();
        root = Files.createDirectories(dir.resolve("root"));
    }

    private static Guest guestWith(String name, Path image, String format) throws GuestConfigException {
        return domain(name, "<devices><disk type='file' device='disk'><driver name='qemu' type='" + format
                + "' cache='none' io='native'/><source file='" + image + "'/><target dev='vda' bus='virtio'/></disk>"
                + "</devices>");
    }

    private final Rule align = new PartitionAlignmentRule();
    private final Rule sparse = new SparseImageRule();

    @Test
    void alignFiresOnASector63PartitionInARawImage() throws Exception {
        Path raw = TestDisks.raw(dir, "old.raw", 8, "label: dos\nstart=63, size=4000, type=83\n");
        Finding f = judge(align, root, guestWith("old", raw, "raw"));
        assertThat(f.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(f.severity()).isEqualTo(Severity.WARN);
        assertThat(f.evidence()).isEqualTo("vda partition 1 (mbr) starts at sector 63 (32256 bytes), not a multiple of 4096");
    }

    @Test
    void alignFiresInsideAQcow2ConvertedFromAMisalignedGptDisk() throws Exception {
        Path raw = TestDisks.raw(dir, "gpt-odd.raw", 8, "label: gpt\nstart=2048, size=2048\nstart=4099, size=2000\n");
        Path qcow2 = TestDisks.convert(raw, "gpt-odd.qcow2", "qcow2");
        Finding f = judge(align, root, guestWith("odd", qcow2, "qcow2"));
        assertThat(f.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(f.evidence()).contains("vda partition 2 (gpt) starts at sector 4099").doesNotContain("partition 1");
    }

    @Test
    void alignPassesOnModernOneMibPartitionsInMbrAndGpt() throws Exception {
        Path mbr = TestDisks.raw(dir, "new-mbr.raw", 8, "label: dos\nstart=2048, type=83\n");
        Path gpt = TestDisks.convert(TestDisks.raw(dir, "new-gpt.raw", 8, "label: gpt\nstart=2048, size=4096\n"),
                "new-gpt.qcow2", "qcow2");
        Finding f = judge(align, root, guestWith("new", mbr, "raw"));
        assertThat(f.outcome()).isEqualTo(Outcome.PASS);
        assertThat(f.evidence()).contains("starts at sector 2048 (1048576 bytes), 1 MiB aligned");
        assertThat(judge(align, root, guestWith("new-gpt", gpt, "qcow2")).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void anUnreadableImageIsAFindingThatSaysSo() throws Exception {
        Path missing = dir.resolve("gone.raw");
        Finding f = judge(align, root, guestWith("gone", missing, "raw"));
        assertThat(f.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        assertThat(f.evidence()).isEqualTo("no disk image could be read: vda: image " + missing + " does not exist");
        Path compressed = TestDisks.convert(TestDisks.raw(dir, "z.raw", 8, "label: dos\nstart=63, type=83\n"), "z.qcow2",
                "qcow2", "-c");
        assertThat(judge(align, root, guestWith("z", compressed, "qcow2")).evidence())
                .contains("cannot inspect compressed clusters");
    }

    @Test
    void imagesAreFoundUnderTheAuditedRootFirst() throws Exception {
        Path captured = Files.createDirectories(dir.resolve("captured/var/lib/images"));
        TestDisks.raw(captured, "vm.raw", 8, "label: dos\nstart=63, type=83\n");
        Finding f = judge(align, dir.resolve("captured"), guestWith("vm", Path.of("/var/lib/images/vm.raw"), "raw"));
        assertThat(f.outcome()).isEqualTo(Outcome.FAIL);
    }

    @Test
    void sparseFiresOnAThinImageAndPassesOnAPreallocatedOne() throws Exception {
        Path thin = TestDisks.raw(dir, "thin.raw", 16, null);
        Path full = dir.resolve("full.raw");
        TestDisks.qemuImg("create", "-q", "-f", "raw", "-o", "preallocation=full", full.toString(), "16M");
        Finding thinFinding = judge(sparse, root, guestWith("thin", thin, "raw"));
        assertThat(thinFinding.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(thinFinding.evidence()).contains("of 16.0 MiB");
        assertThat(thinFinding.fix()).contains("preallocation=falloc");
        assertThat(judge(sparse, root, guestWith("full", full, "raw")).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void sparseSaysWhichImageCouldNotBeRead() throws Exception {
        Finding f = judge(sparse, root, guestWith("gone", dir.resolve("gone.raw"), "raw"));
        assertThat(f.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        assertThat(f.evidence()).contains("does not exist");
    }
}
