package dev.jvirtio.blk.storage.qcow2;

import static dev.jvirtio.blk.storage.qcow2.Qcow2InteropTest.patch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RealDiskTempDir;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Images with hostile or broken metadata: every problem is one clear sentence, reads never reach
 * outside the file, guest data never lands on metadata, and the file does not grow out of bounds.
 */
class Qcow2HostileInputTest {

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require();
    }

    /** A 4 MiB image with 4 KiB clusters: data in both of its L2 tables. */
    private Path image() throws Exception {
        Path image = dir.resolve("victim.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-o", "cluster_size=4096", image.toString(), "4M");
        QemuTools.io(image, "qcow2", "write -P 0x11 0 16k", "write -P 0x22 3M 8k");
        return image;
    }

    private static long field(Path image, int offset) throws Exception {
        return ByteBuffer.wrap(Files.readAllBytes(image)).getLong(offset);
    }

    private static void putLong(Path image, long offset, long value) throws Exception {
        patch(image, offset, ByteBuffer.allocate(8).putLong(value).array());
    }

    private static void putInt(Path image, long offset, int value) throws Exception {
        patch(image, offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    @ParameterizedTest(name = "header bytes {0}..+{1} = {2}: {3}")
    @CsvSource(delimiter = '|', value = {
        "0|4|0x12345678|not a qcow2 image",
        "4|4|7|version 7",
        "20|4|40|cluster_bits 40",
        "20|4|8|cluster_bits 8",
        "24|8|-4096|more than 8 EiB",
        "36|4|-1|L1 table of 4294967295 entries",
        "36|4|0|too small for its virtual size",
        "40|8|12345|not a cluster boundary",
        "48|8|0|refcount table at offset 0",
        "56|4|100000|refcount table of 100000 clusters",
        "60|4|99999999|99999999 snapshots",
        "96|4|7|refcount_order of 7",
        "100|4|4097|header_length of 4097",
        "100|4|100|header_length of 100",
        "8|8|5000|backing file name at offset 5000",
        "16|4|5000|backing file name of 5000 bytes",
        "112|4|305419896|header extension 0x12345678"})
    void corruptHeaderFieldsAreNamed(int offset, int width, long value, String message) throws Exception {
        Path image = image();
        if (offset == 8 || offset == 16) {
            // A backing file name needs both fields; the other one is valid.
            putLong(image, 8, offset == 8 ? value : 200);
            putInt(image, 16, offset == 16 ? (int) value : 10);
        } else if (offset == 112) {
            // An extension whose length reaches past the header cluster.
            putInt(image, 112, (int) value);
            putInt(image, 116, 1 << 20);
        } else if (width == 8) {
            putLong(image, offset, value);
        } else {
            putInt(image, offset, (int) value);
        }
        long size = Files.size(image);
        for (boolean readOnly : new boolean[] {true, false}) {
            assertThatThrownBy(() -> Qcow2Storage.open(image, CacheMode.WRITEBACK, readOnly).close())
                    .isInstanceOf(StorageException.class).hasMessageContaining(image.toString())
                    .hasMessageContaining(message);
        }
        assertThat(Files.size(image)).isEqualTo(size);
    }

    @Test
    void anL2TablePastTheEndOfTheFileIsNeverRead() throws Exception {
        Path image = image();
        long l1 = field(image, 40);
        putLong(image, l1, (1L << 40) | Qcow2Layout.COPIED);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, true)) {
            assertThatThrownBy(() -> Disks.read(disk, 0, 512)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("past the end of the file");
        }
        assertThatThrownBy(() -> Qcow2Storage.open(image, CacheMode.WRITEBACK, false))
                .isInstanceOf(StorageException.class).hasMessageContaining("L1 entry 0");
    }

    @Test
    void aDataClusterPastTheEndIsNeitherReadNorWrittenAndTheImageIsMarkedCorrupt() throws Exception {
        Path image = image();
        long l2 = field(image, (int) field(image, 40)) & Qcow2Layout.OFFSET_MASK;
        putLong(image, l2 + 8, (1L << 50) | Qcow2Layout.COPIED);
        long size = Files.size(image);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false)) {
            assertThatThrownBy(() -> Disks.read(disk, 4096, 512)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("past the end of the file").hasMessageContaining("marked corrupt");
            assertThatThrownBy(() -> Disks.write(disk, 4096, new byte[512])).isInstanceOf(StorageException.class)
                    .hasMessageContaining("corrupt");
            assertThatThrownBy(() -> Disks.write(disk, 1 << 20, new byte[512])).as("no write after corruption")
                    .isInstanceOf(StorageException.class).hasMessageContaining("corrupt");
        }
        assertThat(Files.size(image)).as("the file did not grow").isEqualTo(size);
        assertThat(QemuTools.img("info", image.toString())).contains("corrupt: true");
        assertThatThrownBy(() -> Qcow2Storage.open(image, CacheMode.WRITEBACK, false))
                .isInstanceOf(StorageException.class).hasMessageContaining("marked corrupt");
    }

    @Test
    void guestDataIsNeverWrittenOverMetadataThatAnL2EntryPointsAt() throws Exception {
        Path image = image();
        long l1 = field(image, 40);
        long l2 = field(image, (int) l1) & Qcow2Layout.OFFSET_MASK;
        // Guest cluster 1 claims to live on the L1 table's cluster.
        putLong(image, l2 + 8, l1 | Qcow2Layout.COPIED);
        byte[] before = Files.readAllBytes(image);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false)) {
            assertThatThrownBy(() -> Disks.write(disk, 4096, new byte[4096])).isInstanceOf(StorageException.class)
                    .hasMessageContaining("the L1 table");
        }
        byte[] after = Files.readAllBytes(image);
        assertThat(Arrays.copyOfRange(after, (int) l1, (int) l1 + 4096)).as("the L1 table is intact")
                .isEqualTo(Arrays.copyOfRange(before, (int) l1, (int) l1 + 4096));
    }

    @Test
    void anL2TableWhoseRefcountWasLostIsNotHandedOutAsData() throws Exception {
        Path image = image();
        long l1 = field(image, 40);
        long l2 = field(image, (int) l1) & Qcow2Layout.OFFSET_MASK;
        long refblock = field(image, (int) field(image, 48));
        // 16-bit refcounts: the L2 table's entry in the first refcount block.
        patch(image, refblock + (l2 / 4096) * 2, new byte[] {0, 0});
        byte[] table = Arrays.copyOfRange(Files.readAllBytes(image), (int) l2, (int) l2 + 4096);
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false)) {
            assertThatThrownBy(() -> Disks.write(disk, 1 << 20, Disks.pattern(new Random(1), 4096)))
                    .isInstanceOf(StorageException.class).hasMessageContaining("holds an L2 table")
                    .hasMessageContaining("refcount is 0");
        }
        assertThat(Arrays.copyOfRange(Files.readAllBytes(image), (int) l2, (int) l2 + 4096)).isEqualTo(table);
        assertThat(QemuTools.check(image).exit()).as("qemu-img check sees the broken refcount too").isEqualTo(2);
    }

    @Test
    void garbageInACompressedClusterIsAReadError() throws Exception {
        Path source = dir.resolve("text.raw");
        byte[] text = new byte[1 << 20];
        Arrays.fill(text, (byte) 'x');
        Files.write(source, text);
        Path image = dir.resolve("compressed.qcow2");
        QemuTools.img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=4096", source.toString(), image.toString());
        long l2 = field(image, (int) field(image, 40)) & Qcow2Layout.OFFSET_MASK;
        long entry = field(image, (int) l2);
        assertThat(entry & Qcow2Layout.COMPRESSED).isNotZero();
        long host = entry & ((1L << (62 - (12 - 8))) - 1);
        // 0xff starts a deflate block of the reserved type 3.
        patch(image, host, new byte[] {(byte) 0xff});
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, true)) {
            assertThatThrownBy(() -> Disks.read(disk, 0, 4096)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("compressed cluster for guest offset 0");
            assertThat(Disks.read(disk, 4096, 4096)).as("other clusters still read").containsOnly((byte) 'x');
        }
    }

    @Test
    void metadataThatOverlapsIsRefusedBeforeWriting() throws Exception {
        Path image = image();
        long l1 = field(image, 40);
        long l2 = field(image, (int) l1) & Qcow2Layout.OFFSET_MASK;
        // Both L1 entries name the same L2 table.
        putLong(image, l1 + 8, l2 | Qcow2Layout.COPIED);
        assertThatThrownBy(() -> Qcow2Storage.open(image, CacheMode.WRITEBACK, false))
                .isInstanceOf(StorageException.class).hasMessageContaining("is used as both");
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, true)) {
            assertThat(Disks.read(disk, 2 << 20, 16384)).as("read-only access still works")
                    .isEqualTo(Disks.read(disk, 0, 16384));
        }
    }
}
