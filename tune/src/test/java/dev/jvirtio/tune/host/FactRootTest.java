package dev.jvirtio.tune.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class FactRootTest {

    @TempDir
    Path dir;

    private FactRoot rootWith(String path, String content) throws IOException {
        Path file = dir.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return FactRoot.of(dir);
    }

    @Test
    void a_missing_file_reads_as_empty_and_is_not_a_problem() {
        FactRoot root = FactRoot.of(dir);

        assertThat(root.read("/proc/sys/vm/swappiness")).isEmpty();
        assertThat(root.readLong("/proc/sys/vm/swappiness")).isEmpty();
        assertThat(root.list("/sys/block")).isEmpty();
        assertThat(root.problems()).isEmpty();
    }

    @Test
    void a_file_is_read_under_the_root_and_remembered_for_a_capture() throws IOException {
        FactRoot root = rootWith("proc/sys/vm/swappiness", "60\n");

        assertThat(root.readLong("/proc/sys/vm/swappiness")).hasValue(60);
        assertThat(root.recordedFiles()).containsOnlyKeys("proc/sys/vm/swappiness");
        assertThat(new String(root.recordedFiles().get("proc/sys/vm/swappiness"), StandardCharsets.UTF_8))
                .isEqualTo("60\n");
    }

    @Test
    void a_number_file_holding_text_is_a_problem_naming_the_file() throws IOException {
        FactRoot root = rootWith("proc/sys/vm/swappiness", "sixty\n");

        assertThat(root.readLong("/proc/sys/vm/swappiness")).isEmpty();
        assertThat(root.problems()).singleElement().asString()
                .contains("/proc/sys/vm/swappiness").contains("sixty");
    }

    @Test
    void a_directory_where_a_file_is_expected_is_a_problem_not_an_exception() throws IOException {
        Files.createDirectories(dir.resolve("proc/sys/vm/swappiness"));
        FactRoot root = FactRoot.of(dir);

        assertThat(root.read("/proc/sys/vm/swappiness")).isEmpty();
        assertThat(root.problems()).singleElement().asString().contains("is a directory");
    }

    @Test
    void a_path_that_climbs_out_of_the_root_is_refused() throws IOException {
        Files.writeString(dir.getParent().resolve("outside-" + dir.getFileName()), "secret");
        FactRoot root = FactRoot.of(dir);

        assertThat(root.read("/../outside-" + dir.getFileName())).isEmpty();
        assertThat(root.problems()).singleElement().asString().contains("leaves the root");
    }

    @Test
    void links_come_from_the_disk_or_from_the_manifest_of_a_captured_tree() throws IOException {
        Files.createDirectories(dir.resolve("sys/class/net/eth0/device"));
        Files.createSymbolicLink(dir.resolve("sys/class/net/eth0/device/driver"),
                Path.of("../../../../bus/virtio/drivers/virtio_net"));
        Files.createDirectories(dir.resolve(".jvirtio"));
        Files.writeString(dir.resolve(FactRoot.LINKS_MANIFEST), "sys/block/vda/device/driver\t../../bus/virtio/drivers/virtio_blk\n");
        FactRoot root = FactRoot.of(dir);

        assertThat(root.readLinkName("/sys/class/net/eth0/device/driver")).hasValue("virtio_net");
        assertThat(root.readLinkName("/sys/block/vda/device/driver")).hasValue("virtio_blk");
        assertThat(root.readLink("/sys/block/sda/device/driver")).isEmpty();
        assertThat(root.recordedLinks()).containsOnlyKeys("sys/class/net/eth0/device/driver",
                "sys/block/vda/device/driver");
    }

    @Test
    void unrecorded_reads_stay_out_of_the_capture_until_kept() throws IOException {
        FactRoot root = rootWith("proc/77/cmdline", "bash\0");

        assertThat(root.readUnrecorded("/proc/77/cmdline")).hasValue("bash\0");
        assertThat(root.recordedFiles()).isEmpty();
        root.keep("/proc/77/cmdline", "bash\0");
        assertThat(root.recordedFiles()).containsOnlyKeys("proc/77/cmdline");
    }

    @Test
    void only_the_real_root_directory_is_the_live_machine() {
        assertThat(FactRoot.live().isLive()).isTrue();
        assertThat(FactRoot.of(dir).isLive()).isFalse();
    }
}
