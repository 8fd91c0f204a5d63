package dev.jvirtio.tune.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

class ImageProperties {

    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("image-properties");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Property(tries = 300)
    void aQcow2WithAnyBytesChangedIsInspectedOrRejectedCleanly(
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 2047) Integer> offsets,
            @ForAll @Size(min = 12, max = 12) List<Byte> values) throws IOException {
        byte[] image = SyntheticDisks.qcow2(SyntheticDisks.mbr(0x83, 63, 100));
        for (int i = 0; i < offsets.size(); i++) {
            image[offsets.get(i)] = values.get(i);
        }
        Path p = dir.resolve("mutated.qcow2");
        Files.write(p, image);
        try {
            ImageInfo info = ImageInspector.inspect(p);
            assertThat(info.partitions().size()).isLessThanOrEqualTo(PartitionTable.MAX_LOGICAL + 4);
        } catch (ImageException e) {
            assertThat(e.getMessage()).startsWith("image " + p + ": ");
        }
    }

    @Property(tries = 300)
    void aGptDiskWithAnyBytesChangedIsReadOrRejectedCleanly(
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 3 * 512 + 1023) Integer> offsets,
            @ForAll @Size(min = 12, max = 12) List<Byte> values, @ForAll boolean reseal) {
        byte[] disk = SyntheticDisks.gpt(128, 40, 63);
        for (int i = 0; i < offsets.size(); i++) {
            disk[offsets.get(i)] = values.get(i);
        }
        if (reseal) {
            SyntheticDisks.resealGptHeader(disk);
        }
        try {
            PartitionTable t = PartitionTable.read(ByteReader.of(disk));
            assertThat(t.partitions().size()).isLessThanOrEqualTo(PartitionTable.MAX_GPT_ARRAY_BYTES / 128);
        } catch (ImageException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
