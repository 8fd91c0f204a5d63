package dev.jvirtio.tune.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageInspectorTest {

    static final String MISALIGNED_MBR = "label: dos\nstart=63, size=4000, type=83\nstart=8192, type=83\n";
    static final String ALIGNED_GPT = "label: gpt\nstart=2048, size=4096\nstart=6144, size=2048\n";
    static final String MISALIGNED_GPT = "label: gpt\nstart=2048, size=4096\nstart=6145, size=2000\n";

    @TempDir
    static Path dir;

    @BeforeAll
    static void tools() {
        TestDisks.requireTools();
    }

    private static List<Long> starts(ImageInfo info) {
        return info.partitions().stream().map(Partition::startLba).toList();
    }

    @Test
    void aRawImageWithAnOldStyleMbrShowsItsSector63Partition() throws Exception {
        Path raw = TestDisks.raw(dir, "mbr63.raw", 8, MISALIGNED_MBR);
        ImageInfo info = ImageInspector.inspect(raw);
        assertThat(info.format()).isEqualTo("raw");
        assertThat(info.virtualSize()).isEqualTo(TestDisks.info(raw).get("virtual-size").asLong());
        assertThat(info.partitionScheme()).isEqualTo("mbr");
        assertThat(starts(info)).isEqualTo(TestDisks.sfdiskStarts(raw));
        assertThat(info.partitions()).extracting(Partition::alignedTo4K).containsExactly(false, true);
        assertThat(info.partitions().get(0).type()).isEqualTo("0x83");
    }

    @Test
    void aGptImageIsReadThroughItsProtectiveMbr() throws Exception {
        Path raw = TestDisks.raw(dir, "gpt.raw", 8, MISALIGNED_GPT);
        ImageInfo info = ImageInspector.inspect(raw);
        assertThat(info.partitionScheme()).isEqualTo("gpt");
        assertThat(starts(info)).isEqualTo(TestDisks.sfdiskStarts(raw));
        assertThat(info.partitions()).extracting(Partition::alignedTo4K, Partition::alignedTo1MiB)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(true, true),
                        org.assertj.core.groups.Tuple.tuple(false, false));
        assertThat(info.partitions().get(0).type()).as("sfdisk's default GPT type: Linux filesystem")
                .isEqualTo("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
    }

    @Test
    void logicalPartitionsInAnExtendedChainAreFollowed() throws Exception {
        Path raw = TestDisks.raw(dir, "ext.raw", 16,
                "label: dos\nstart=2048, size=20000, type=5\nstart=22528, type=83\nstart=2111, size=1000, type=83\n"
                        + "start=4096, size=1000, type=83\n");
        ImageInfo info = ImageInspector.inspect(raw);
        assertThat(info.partitions()).extracting(Partition::index).containsExactly(2, 5, 6);
        assertThat(starts(info)).containsExactlyInAnyOrderElementsOf(TestDisks.sfdiskStarts(raw));
    }

    @Test
    void aQcow2ConvertedFromARawImageShowsTheSamePartitionsAndItsHeader() throws Exception {
        Path raw = TestDisks.raw(dir, "for-qcow2.raw", 8, MISALIGNED_MBR);
        Path qcow2 = TestDisks.convert(raw, "mbr63.qcow2", "qcow2");
        ImageInfo info = ImageInspector.inspect(qcow2);
        JsonNode truth = TestDisks.info(qcow2);
        assertThat(info.format()).isEqualTo(truth.get("format").asText());
        assertThat(info.virtualSize()).isEqualTo(truth.get("virtual-size").asLong());
        assertThat(info.clusterSize()).isEqualTo(truth.get("cluster-size").asLong());
        assertThat(info.qcow2Version()).isEqualTo(truth.get("format-specific").get("data").get("compat").asText()
                .equals("1.1") ? 3 : 2);
        assertThat(starts(info)).isEqualTo(TestDisks.sfdiskStarts(raw));
    }

    @Test
    void smallClustersSpreadTheTableOverManyL2EntriesAndVersion2HeadersRead() throws Exception {
        Path raw = TestDisks.raw(dir, "gpt-small.raw", 8, ALIGNED_GPT);
        Path qcow2 = TestDisks.convert(raw, "gpt-small.qcow2", "qcow2", "-o", "cluster_size=512,compat=0.10");
        ImageInfo info = ImageInspector.inspect(qcow2);
        assertThat(info.clusterSize()).isEqualTo(512);
        assertThat(info.qcow2Version()).isEqualTo(2);
        assertThat(starts(info)).isEqualTo(TestDisks.sfdiskStarts(raw));
    }

    @Test
    void compressedClustersAreReportedNotRead() throws Exception {
        Path raw = TestDisks.raw(dir, "c.raw", 8, ALIGNED_GPT);
        Path qcow2 = TestDisks.convert(raw, "c.qcow2", "qcow2", "-c");
        ImageInfo info = ImageInspector.inspect(qcow2);
        assertThat(info.partitionScheme()).isEqualTo("unreadable");
        assertThat(info.notes()).anySatisfy(n -> assertThat(n).startsWith("cannot inspect compressed clusters"));
    }

    @Test
    void anOverlayNamesItsBackingFileWithoutOpeningIt() throws Exception {
        Path raw = TestDisks.raw(dir, "base.raw", 8, ALIGNED_GPT);
        Path overlay = dir.resolve("overlay.qcow2");
        TestDisks.qemuImg("create", "-q", "-f", "qcow2", "-b", raw.toString(), "-F", "raw", overlay.toString());
        ImageInfo info = ImageInspector.inspect(overlay);
        assertThat(info.backingFile()).isEqualTo(TestDisks.info(overlay).get("backing-filename").asText());
        assertThat(info.partitionScheme()).as("nothing is allocated in the overlay itself").isEqualTo("none");
        assertThat(info.notes()).anySatisfy(n -> assertThat(n).contains("was not opened"));
    }

    @Test
    void aPreallocatedRawImageIsNotSparseAndAThinOneIs() throws Exception {
        Path thin = TestDisks.raw(dir, "thin.raw", 8, null);
        Path full = dir.resolve("full.raw");
        TestDisks.qemuImg("create", "-q", "-f", "raw", "-o", "preallocation=full", full.toString(), "8M");
        assertThat(ImageInspector.inspect(thin).sparse()).isTrue();
        ImageInfo fullInfo = ImageInspector.inspect(full);
        assertThat(fullInfo.sparse()).isFalse();
        assertThat(fullInfo.actualSize()).isEqualTo(TestDisks.info(full).get("actual-size").asLong());
    }

    @Test
    void anotherFormatIsNamedAndNotInspected() throws Exception {
        Path vmdk = dir.resolve("disk.vmdk");
        TestDisks.qemuImg("create", "-q", "-f", "vmdk", vmdk.toString(), "8M");
        ImageInfo info = ImageInspector.inspect(vmdk);
        assertThat(info.format()).isEqualTo("unknown");
        assertThat(info.notes()).anySatisfy(n -> assertThat(n).contains("VMDK"));
    }

    @Test
    void missingAndDirectoryPathsAreOneSentenceEach() throws Exception {
        Path missing = dir.resolve("nope.img");
        assertThatThrownBy(() -> ImageInspector.inspect(missing)).isInstanceOf(ImageException.class)
                .hasMessage("image " + missing + " does not exist");
        Path sub = Files.createDirectories(dir.resolve("sub"));
        assertThatThrownBy(() -> ImageInspector.inspect(sub)).hasMessage("image " + sub + " is a directory, not a disk image");
    }
}
