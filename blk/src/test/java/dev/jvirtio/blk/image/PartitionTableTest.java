package dev.jvirtio.blk.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RealDiskTempDir;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.qcow2.QemuTools;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition tables written by util-linux's sfdisk are read back the way sfdisk reports them, in
 * raw images and inside qcow2 images; broken tables give one clear sentence.
 */
class PartitionTableTest {

    private static final Pattern PARTITION =
            Pattern.compile("\"node\": \"[^\"]*?(\\d+)\",\\s*\"start\": (\\d+),\\s*\"size\": (\\d+)");

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    @BeforeEach
    void tools() {
        Sfdisk.require("partition table tests");
    }

    /** A 32 MiB raw image partitioned by sfdisk with {@code script}. */
    private Path partitioned(String name, String script) throws Exception {
        return Sfdisk.partitioned(dir.resolve(name), 32 << 20, script);
    }

    /** (number, start, size) of each partition as {@code sfdisk --json} reports them, containers left out. */
    private static List<long[]> sfdiskSays(Path image, boolean skipExtended) throws Exception {
        Process sfdisk = new ProcessBuilder("sfdisk", "--json", image.toString()).start();
        String json = new String(sfdisk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        sfdisk.waitFor(30, TimeUnit.SECONDS);
        List<long[]> out = new ArrayList<>();
        Matcher m = PARTITION.matcher(json);
        while (m.find()) {
            out.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        if (skipExtended) {
            out.removeIf(p -> json.contains("\"start\": " + p[1] + ",\n            \"size\": " + p[2]
                    + ",\n            \"type\": \"5\""));
        }
        return out;
    }

    private static PartitionTable read(Path image, ImageFormat format) {
        try (Storage disk = Images.open(image, format, CacheMode.WRITEBACK, true)) {
            return PartitionTable.read(disk);
        }
    }

    private static void assertSameAs(PartitionTable table, List<long[]> expected) {
        assertThat(table.partitions()).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Partition p = table.partitions().get(i);
            assertThat(new long[] {p.number(), p.startSector(), p.sectors()}).as("partition %d", i)
                    .containsExactly(expected.get(i));
        }
    }

    @Test
    void anOldStyleMbrWithLogicalPartitionsIsReadAsSfdiskWroteIt() throws Exception {
        Path image = partitioned("mbr.raw", """
                label: dos
                start=63, size=2000, type=83
                start=4096, size=4096, type=83
                start=10240, size=40000, type=5
                start=10303, size=1000, type=83
                start=12288, size=2048, type=82
                """);
        PartitionTable table = read(image, ImageFormat.RAW);
        assertThat(table.scheme()).isEqualTo(PartitionScheme.MBR);
        assertSameAs(table, sfdiskSays(image, true));
        assertThat(table.misaligned(4096)).extracting(Partition::number).containsExactly(1, 5);
        assertThat(table.partitions().get(3).type()).as("logical partition 6").contains("0x82");
    }

    @Test
    void aGptIsReadInsideAQcow2ImageAsInTheRawOne() throws Exception {
        Path raw = partitioned("gpt.raw", """
                label: gpt
                start=2048, size=2048, type=linux, name="root"
                start=4103, size=1000, type=swap
                """);
        Path qcow2 = dir.resolve("gpt.qcow2");
        QemuTools.require();
        QemuTools.img("convert", "-O", "qcow2", raw.toString(), qcow2.toString());
        List<long[]> expected = sfdiskSays(raw, false);
        for (PartitionTable table : List.of(read(raw, ImageFormat.RAW), read(qcow2, ImageFormat.AUTO))) {
            assertThat(table.scheme()).isEqualTo(PartitionScheme.GPT);
            assertSameAs(table, expected);
            assertThat(table.partitions().get(0).name()).isEqualTo("root");
            assertThat(table.partitions().get(0).type()).contains("Linux filesystem");
            assertThat(table.partitions().get(0).alignedTo(1 << 20)).isTrue();
            assertThat(table.misaligned(4096)).extracting(Partition::number).containsExactly(2);
        }
    }

    @Test
    void aDiskWithoutATableHasNone() throws Exception {
        Path image = dir.resolve("blank.raw");
        Files.write(image, new byte[1 << 20]);
        assertThat(read(image, ImageFormat.RAW).scheme()).isEqualTo(PartitionScheme.NONE);
    }

    @Test
    void aLoopInTheLogicalChainIsNamed() throws Exception {
        Path image = partitioned("loop.raw", """
                label: dos
                start=2048, size=40000, type=5
                start=4096, size=1000, type=83
                """);
        // The first extended boot record links to a second one at sector 4095, which links to itself.
        long first = 2048L * 512;
        patch(image, first + 446 + 16 + 4, new byte[] {5});
        patch(image, first + 446 + 16 + 8, le(2047));
        patch(image, first + 446 + 16 + 12, le(100));
        long second = 4095L * 512;
        patch(image, second + 510, new byte[] {0x55, (byte) 0xaa});
        patch(image, second + 446 + 16 + 4, new byte[] {5});
        patch(image, second + 446 + 16 + 8, le(2047));
        patch(image, second + 446 + 16 + 12, le(100));
        assertThatThrownBy(() -> read(image, ImageFormat.RAW)).isInstanceOf(PartitionTableException.class)
                .hasMessageContaining("loops back");
    }

    @Test
    void aGptWithADamagedHeaderIsNamed() throws Exception {
        Path image = partitioned("damaged.raw", "label: gpt\nstart=2048, size=2048, type=linux\n");
        patch(image, 512 + 80, le(1 << 24));
        assertThatThrownBy(() -> read(image, ImageFormat.RAW)).isInstanceOf(PartitionTableException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void hostileSectorsNeverThrowAnythingButAClearError() throws Exception {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 300; round++) {
            Path image = dir.resolve("hostile.raw");
            byte[] disk = new byte[256 * 1024];
            random.nextBytes(disk);
            disk[510] = 0x55;
            disk[511] = (byte) 0xaa;
            if (random.nextBoolean()) {
                disk[446 + 4] = (byte) 0xee;
                byte[] magic = "EFI PART".getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(magic, 0, disk, 512, magic.length);
            } else {
                disk[446 + 4] = (byte) (random.nextBoolean() ? 0x05 : 0x0f);
                ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN).putInt(446 + 8, random.nextInt(512));
            }
            Files.write(image, disk);
            try {
                PartitionTable table = read(image, ImageFormat.RAW);
                assertThat(table.partitions().size()).isLessThanOrEqualTo(PartitionTable.MAX_LOGICAL + 4);
            } catch (PartitionTableException e) {
                assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
            }
            Files.delete(image);
        }
    }

    private static byte[] le(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    private static void patch(Path file, long offset, byte[] bytes) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }
}
