package dev.jvirtio.tune.host;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever an archive holds, unpacking it either works inside its directory or is refused cleanly. */
class FactCaptureProperties {

    @Property(tries = 200)
    void random_bytes_in_gzip_are_refused_or_unpacked_never_thrown(@ForAll @Size(max = 2048) byte[] bytes)
            throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(bytes);
        }
        assertRefusedOrContained(gz.toByteArray(), ".tar.gz");
    }

    @Property(tries = 200)
    void a_valid_tar_with_one_corrupted_byte_is_refused_or_unpacked(@ForAll @IntRange(max = 2047) int position,
                                                                      @ForAll byte value) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        TarFormat.writeEntry(tar, "proc/sys/vm/", TarFormat.TYPE_DIRECTORY, new byte[0], 0);
        TarFormat.writeEntry(tar, "proc/sys/vm/swappiness", TarFormat.TYPE_FILE, "60\n".getBytes(), 0);
        TarFormat.writeEnd(tar);
        byte[] bytes = tar.toByteArray();
        bytes[position % bytes.length] = value;
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(bytes);
        }
        assertRefusedOrContained(gz.toByteArray(), ".tar.gz");
    }

    @Property(tries = 200)
    void random_bytes_after_a_zip_signature_are_refused_or_unpacked(@ForAll @Size(max = 1024) byte[] bytes)
            throws IOException {
        byte[] zip = new byte[bytes.length + 4];
        zip[0] = 'P';
        zip[1] = 'K';
        zip[2] = 3;
        zip[3] = 4;
        System.arraycopy(bytes, 0, zip, 4, bytes.length);
        assertRefusedOrContained(zip, ".zip");
    }

    private static void assertRefusedOrContained(byte[] archive, String suffix) throws IOException {
        Path dir = Files.createTempDirectory("capture-property");
        Path file = dir.resolve("input" + suffix);
        Files.write(file, archive);
        try (ExtractedCapture capture = FactCapture.extract(file)) {
            try (var files = Files.walk(capture.root())) {
                List<Path> all = files.toList();
                assertThat(all).allSatisfy(p -> assertThat(p.normalize()).startsWith(capture.root()));
            }
        } catch (CaptureException e) {
            assertThat(e.getMessage()).contains("input" + suffix);
        } finally {
            ExtractedCapture.delete(dir);
        }
    }
}
