package dev.jvirtio.blk.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.Preallocation;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.blk.storage.RealDiskTempDir;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import dev.jvirtio.blk.storage.qcow2.Qcow2CreateOptions;
import dev.jvirtio.blk.storage.qcow2.Qcow2Storage;
import dev.jvirtio.blk.storage.qcow2.QemuTools;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Images by format: detection, opening, creation and description, checked against qemu-img. */
class ImagesTest {

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    @BeforeEach
    void tools() {
        QemuTools.require();
    }

    private static long jsonNumber(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": (\\d+)").matcher(json);
        assertThat(m.find()).as("%s in %s", key, json).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String jsonString(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": \"([^\"]*)\"").matcher(json);
        assertThat(m.find()).as("%s in %s", key, json).isTrue();
        return m.group(1);
    }

    @Test
    void theFormatIsDetectedFromTheFirstBytes() throws Exception {
        Path qcow2 = dir.resolve("a.qcow2");
        QemuTools.img("create", "-f", "qcow2", qcow2.toString(), "1M");
        Path raw = dir.resolve("a.img");
        QemuTools.img("create", "-f", "raw", raw.toString(), "1M");
        assertThat(Images.detect(qcow2)).isEqualTo(ImageFormat.QCOW2);
        assertThat(Images.detect(raw)).isEqualTo(ImageFormat.RAW);
        try (Storage disk = Images.open(qcow2, ImageFormat.AUTO, CacheMode.WRITEBACK, true)) {
            assertThat(disk).isInstanceOf(Qcow2Storage.class);
        }
        try (Storage disk = Images.open(raw, ImageFormat.AUTO, CacheMode.WRITEBACK, true)) {
            assertThat(disk).isInstanceOf(RawStorage.class);
        }
        try (Storage disk = Images.open(qcow2, ImageFormat.RAW, CacheMode.WRITEBACK, true)) {
            assertThat(disk.sizeBytes()).as("forced raw: the file's own bytes").isEqualTo(Files.size(qcow2));
        }
        assertThatThrownBy(() -> Images.open(raw, ImageFormat.QCOW2, CacheMode.WRITEBACK, true))
                .isInstanceOf(StorageException.class).hasMessageContaining("not a qcow2 image");
        assertThatThrownBy(() -> Images.detect(dir)).isInstanceOf(StorageException.class)
                .hasMessageContaining("is a directory");
        assertThatThrownBy(() -> Images.detect(dir.resolve("missing.img"))).isInstanceOf(StorageException.class)
                .hasMessageContaining("does not exist");
    }

    @ParameterizedTest
    @EnumSource(value = Preallocation.class, names = {"OFF", "FALLOC", "FULL"})
    void rawImagesAreCreatedWithTheirPreallocation(Preallocation preallocation) throws Exception {
        Path image = dir.resolve("raw-" + preallocation + ".img");
        long size = 8L << 20;
        Images.create(image, ImageFormat.RAW, size, Qcow2CreateOptions.DEFAULTS.withPreallocation(preallocation));
        String info = QemuTools.img("info", "--output=json", image.toString());
        assertThat(jsonString(info, "format")).isEqualTo("raw");
        assertThat(jsonNumber(info, "virtual-size")).isEqualTo(size);
        long actual = jsonNumber(info, "actual-size");
        if (preallocation == Preallocation.OFF) {
            assertThat(actual).as("a sparse file").isLessThan(size / 2);
        } else {
            assertThat(actual).as("space reserved").isGreaterThanOrEqualTo(size);
        }
        assertThat(Images.info(image).actualSize()).isEqualTo(actual);
    }

    @Test
    void rawImagesHaveNoMetadataToPreallocate() {
        assertThatThrownBy(() -> Images.create(dir.resolve("x.img"), ImageFormat.RAW, 1 << 20,
                Qcow2CreateOptions.DEFAULTS.withPreallocation(Preallocation.METADATA)))
                .isInstanceOf(StorageException.class).hasMessageContaining("use falloc or full");
        assertThat(dir.resolve("x.img")).doesNotExist();
    }

    @Test
    void anOverlayTakesItsSizeAndBackingFormatFromTheBackingFile() throws Exception {
        Path base = dir.resolve("base.qcow2");
        QemuTools.img("create", "-f", "qcow2", base.toString(), "3M");
        QemuTools.io(base, "qcow2", "write -P 0x42 0 3M");
        Path overlay = dir.resolve("overlay.qcow2");
        Images.create(overlay, ImageFormat.QCOW2, -1, Qcow2CreateOptions.DEFAULTS.withBacking("base.qcow2", null));
        String info = QemuTools.img("info", "--output=json", overlay.toString());
        assertThat(jsonNumber(info, "virtual-size")).isEqualTo(3L << 20);
        assertThat(jsonString(info, "backing-filename")).isEqualTo("base.qcow2");
        assertThat(jsonString(info, "backing-filename-format")).isEqualTo("qcow2");
        try (Storage disk = Images.open(overlay, ImageFormat.AUTO, CacheMode.WRITEBACK, true)) {
            assertThat(read(disk, 0, 3 << 20)).containsOnly((byte) 0x42);
        }
        assertThat(QemuTools.check(overlay).exit()).isZero();
        ImageInfo ours = Images.info(overlay);
        assertThat(ours.backingFilename()).isEqualTo("base.qcow2");
        assertThat(ours.fullBackingFilename()).isEqualTo(base.toAbsolutePath());
        assertThat(ours.backingFormat()).isEqualTo("qcow2");
        assertThat(ours.actualSize()).isEqualTo(jsonNumber(info, "actual-size"));
        assertThat(ours.clusterSize()).isEqualTo((int) jsonNumber(info, "cluster-size"));
    }

    @Test
    void creationRefusesToOverwriteAndNamesMissingBackingFiles() throws Exception {
        Path existing = dir.resolve("exists.qcow2");
        Files.write(existing, new byte[] {1});
        assertThatThrownBy(() -> Images.create(existing, ImageFormat.QCOW2, 1 << 20, Qcow2CreateOptions.DEFAULTS))
                .isInstanceOf(StorageException.class).hasMessageContaining("already exists");
        assertThat(Files.readAllBytes(existing)).containsExactly(1);
        assertThatThrownBy(() -> Images.create(dir.resolve("o.qcow2"), ImageFormat.QCOW2, -1,
                Qcow2CreateOptions.DEFAULTS.withBacking("nowhere.raw", null)))
                .isInstanceOf(StorageException.class).hasMessageContaining("nowhere.raw").hasMessageContaining("does not exist");
    }

    @Test
    void convertingSkipsZeroesAndKeepsTheContents() throws Exception {
        Path source = dir.resolve("source.qcow2");
        QemuTools.img("create", "-f", "qcow2", source.toString(), "16M");
        QemuTools.io(source, "qcow2", "write -P 0x21 1M 256k", "write -z 2M 1M", "write -P 0x22 9M 64k",
                "write -P 0 12M 1M");
        Path raw = dir.resolve("out.raw");
        ConversionResult toRaw = ImageConverter.convert(source, raw, ImageFormat.RAW, Qcow2CreateOptions.DEFAULTS);
        assertThat(QemuTools.compare(source, raw).exit()).isZero();
        assertThat(toRaw.bytesWritten()).isEqualTo((256L << 10) + (64L << 10));
        assertThat(toRaw.bytesSkipped()).isEqualTo((16L << 20) - toRaw.bytesWritten());
        assertThat(Images.info(raw).actualSize()).as("holes where the source reads zeroes").isLessThan(1L << 20);
        Path back = dir.resolve("back.qcow2");
        ConversionResult toQcow2 = ImageConverter.convert(raw, back, ImageFormat.QCOW2,
                Qcow2CreateOptions.DEFAULTS.withClusterSize(4096));
        assertThat(QemuTools.compare(raw, back).exit()).isZero();
        assertThat(QemuTools.check(back).exit()).isZero();
        assertThat(toQcow2.bytesWritten()).isEqualTo(toRaw.bytesWritten());
        assertThatThrownBy(() -> ImageConverter.convert(raw, back, ImageFormat.QCOW2, Qcow2CreateOptions.DEFAULTS))
                .isInstanceOf(StorageException.class).hasMessageContaining("already exists");
    }

    @Test
    void convertingACompressedImageWithABackingFileFlattensIt() throws Exception {
        Path base = dir.resolve("base.raw");
        Files.write(base, pattern(new Random(1), 4 << 20));
        Path overlay = dir.resolve("overlay.qcow2");
        QemuTools.img("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", overlay.toString());
        QemuTools.io(overlay, "qcow2", "write -P 0x31 1M 1M");
        Path compressed = dir.resolve("compressed.qcow2");
        QemuTools.img("convert", "-c", "-O", "qcow2", overlay.toString(), compressed.toString());
        Path flat = dir.resolve("flat.qcow2");
        ImageConverter.convert(compressed, flat, ImageFormat.QCOW2, Qcow2CreateOptions.DEFAULTS);
        assertThat(QemuTools.compare(overlay, flat).exit()).isZero();
        assertThat(Images.info(flat).backingFilename()).isNull();
    }

    private static byte[] read(Storage disk, long offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(length, 4096);
            disk.read(offset, new MemorySegment[] {buffer});
            return buffer.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static byte[] pattern(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}
