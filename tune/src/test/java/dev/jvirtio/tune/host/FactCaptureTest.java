package dev.jvirtio.tune.host;

import dev.jvirtio.tune.audit.Audit;
import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.report.AuditReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FactCaptureTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"numa-host", "small-host", "kvm-guest"})
    void auditing_a_capture_gives_the_findings_of_auditing_the_tree(String fixture) throws Exception {
        Path tree = TestRoot.fixture(fixture);
        FactRoot original = FactRoot.of(tree);
        AuditReport direct = Audit.of(original).run();
        Path archive = dir.resolve(fixture + ".tar.gz");

        FactCapture.write(original, archive);
        AuditReport replayed;
        try (ExtractedCapture capture = FactCapture.extract(archive)) {
            replayed = Audit.of(FactRoot.of(capture.root())).run();
        }

        assertThat(replayed.findings()).isNotEmpty().isEqualTo(direct.findings());
    }

    @Test
    void a_zip_capture_holds_the_same_files_links_and_directories() throws Exception {
        FactRoot original = FactRoot.of(TestRoot.fixture("numa-host"));
        Audit.of(original).run();
        Path zip = dir.resolve("numa.zip");
        Path tgz = dir.resolve("numa.tgz");

        FactCapture.write(original, zip);
        FactCapture.write(original, tgz);

        try (ExtractedCapture fromZip = FactCapture.extract(zip); ExtractedCapture fromTar = FactCapture.extract(tgz)) {
            for (String file : original.recordedFiles().keySet()) {
                assertThat(fromZip.root().resolve(file)).hasSameBinaryContentAs(fromTar.root().resolve(file))
                        .hasSameBinaryContentAs(TestRoot.fixture("numa-host").resolve(file));
            }
            assertThat(Files.readString(fromZip.root().resolve(FactRoot.LINKS_MANIFEST)))
                    .contains("sys/block/sdb\t../devices/");
        }
    }

    @Test
    void command_output_and_given_guest_configurations_travel_in_the_capture() throws Exception {
        TestRoot root = TestRoot.copyOf("small-host", dir);
        Path xml = dir.resolve("extra.xml");
        Files.writeString(xml, "<domain type='kvm'><name>extra</name><memory unit='GiB'>1</memory>"
                + "<vcpu>1</vcpu><devices/></domain>");
        FactRoot facts = FactRoot.of(root.path());
        facts.keep("/ethtool/enp3s0.txt", "Features for enp3s0:\ntcp-segmentation-offload: off\n");
        Audit.of(facts).domainXml(xml).run();
        Path archive = dir.resolve("small.tar.gz");

        FactCapture.write(facts, archive);

        try (ExtractedCapture capture = FactCapture.extract(archive)) {
            assertThat(capture.root().resolve("ethtool/enp3s0.txt")).exists();
            AuditReport report = Audit.of(FactRoot.of(capture.root())).run();
            assertThat(report.findings()).anySatisfy(f -> assertThat(f.subject()).isEqualTo("extra"));
        }
    }

    @Test
    void closing_an_extracted_capture_deletes_its_directory() throws Exception {
        FactRoot original = FactRoot.of(TestRoot.fixture("kvm-guest"));
        Audit.of(original).run();
        Path archive = dir.resolve("guest.zip");
        FactCapture.write(original, archive);

        Path extracted;
        try (ExtractedCapture capture = FactCapture.extract(archive)) {
            extracted = capture.root();
            assertThat(extracted).isDirectory();
        }

        assertThat(extracted).doesNotExist();
    }

    @Test
    void a_capture_name_without_an_archive_suffix_is_refused_before_writing() {
        assertThatThrownBy(() -> FactCapture.write(FactRoot.of(dir), dir.resolve("facts.txt")))
                .isInstanceOf(CaptureException.class).hasMessageContaining("must end in .tar.gz, .tgz or .zip");
        assertThat(dir.resolve("facts.txt")).doesNotExist();
    }

    @Test
    void a_file_that_is_not_an_archive_is_refused_with_its_name() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.tar.gz"), "hello");

        assertThatThrownBy(() -> FactCapture.extract(text)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("notes.tar.gz").hasMessageContaining("is not a capture");
    }

    @Test
    void zip_entries_that_climb_out_or_are_absolute_are_refused() throws IOException {
        for (String evil : new String[] {"../escaped", "proc/../../escaped", "/etc/escaped"}) {
            Path zip = dir.resolve("evil.zip");
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
                out.putNextEntry(new ZipEntry(evil));
                out.write("x".getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }

            assertThatThrownBy(() -> FactCapture.extract(zip)).isInstanceOf(CaptureException.class)
                    .hasMessageContaining("was refused");
            assertThat(dir.getParent().resolve("escaped")).doesNotExist();
        }
    }

    @Test
    void tar_entries_that_climb_out_are_refused() throws IOException {
        Path archive = dir.resolve("evil.tar.gz");
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        TarFormat.writeEntry(tar, "proc/sys/vm/swappiness", TarFormat.TYPE_FILE, "60\n".getBytes(), 0);
        TarFormat.writeEntry(tar, "../../escaped", TarFormat.TYPE_FILE, "x".getBytes(), 0);
        TarFormat.writeEnd(tar);
        gzip(archive, tar.toByteArray());

        assertThatThrownBy(() -> FactCapture.extract(archive)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("leaves the capture");
    }

    @Test
    void a_tar_header_claiming_a_huge_entry_is_refused_without_reading_it() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        TarFormat.writeEntry(tar, "big", TarFormat.TYPE_FILE, new byte[0], 0);
        byte[] bytes = tar.toByteArray();
        byte[] size = String.format("%011o\0", FactCapture.MAX_ENTRY_BYTES + 1).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, bytes, TarFormat.SIZE, size.length);
        byte[] header = java.util.Arrays.copyOf(bytes, TarFormat.BLOCK);
        byte[] sum = String.format("%06o\0 ", TarFormat.checksum(header)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(sum, 0, bytes, TarFormat.CHECKSUM, sum.length);
        Path archive = dir.resolve("big.tar.gz");
        gzip(archive, bytes);

        assertThatThrownBy(() -> FactCapture.extract(archive)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("larger than");
    }

    @Test
    void a_corrupted_tar_header_and_a_truncated_archive_are_refused() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        TarFormat.writeEntry(tar, "proc/meminfo", TarFormat.TYPE_FILE, "MemTotal: 1 kB\n".getBytes(), 0);
        TarFormat.writeEnd(tar);
        byte[] corrupt = tar.toByteArray();
        corrupt[3] ^= 0x55;
        Path bad = dir.resolve("bad.tar.gz");
        gzip(bad, corrupt);
        Path cut = dir.resolve("cut.tar.gz");
        gzip(cut, java.util.Arrays.copyOf(tar.toByteArray(), 700));

        assertThatThrownBy(() -> FactCapture.extract(bad)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("bad checksum");
        assertThatThrownBy(() -> FactCapture.extract(cut)).isInstanceOf(CaptureException.class)
                .hasMessageContaining("cut.tar.gz");
    }

    @Test
    void long_paths_survive_the_tar_format() throws Exception {
        String longPath = "sys/fs/cgroup/" + "machine.slice/".repeat(12) + "machine-qemu\\x2d1\\x2d" + "n".repeat(90)
                + ".scope/cpu.max";
        TestRoot root = TestRoot.empty(dir).write(longPath, "max 100000\n");
        FactRoot facts = FactRoot.of(root.path());
        facts.read(longPath);
        Path archive = dir.resolve("long.tar.gz");

        FactCapture.write(facts, archive);

        try (ExtractedCapture capture = FactCapture.extract(archive)) {
            assertThat(capture.root().resolve(longPath)).hasContent("max 100000");
        }
    }

    private static void gzip(Path file, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
    }
}
