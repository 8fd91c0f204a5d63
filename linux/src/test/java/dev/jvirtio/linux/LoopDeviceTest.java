package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A block device, as a loop device over a file on the real disk. */
class LoopDeviceTest {

    private static final int SIZE = 8 << 20;

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    private Path backing;

    @BeforeEach
    void createBackingFile() throws Exception {
        backing = dir.resolve("backing.img");
        try (RandomAccessFile file = new RandomAccessFile(backing.toFile(), "rw")) {
            file.setLength(SIZE);
        }
    }

    @Test
    void aBlockDeviceReportsWhatBlockdevReports() throws Exception {
        try (LoopDevice loop = LoopDevice.attach(backing, 512);
             DirectFile device = DirectFile.open(loop.path(), OpenFlag.DIRECT)) {
            assertThat(device.isBlockDevice()).isTrue();
            assertThat(device.size()).isEqualTo(SIZE).isEqualTo(loop.blockdev("--getsize64"));
            assertThat(device.logicalBlockSize()).isEqualTo(loop.blockdev("--getss"));
            assertThat(device.physicalBlockSize()).isEqualTo(loop.blockdev("--getpbsz"));
            assertThat(device.directOffsetAlignment()).isGreaterThanOrEqualTo(device.logicalBlockSize());
        }
    }

    @Test
    void aFourKilobyteSectorDeviceDemandsFourKilobyteAlignment() throws Exception {
        try (LoopDevice loop = LoopDevice.attach(backing, 4096);
             DirectFile device = DirectFile.open(loop.path(), OpenFlag.DIRECT)) {
            assertThat(device.logicalBlockSize()).isEqualTo(4096);
            assertThat(device.directOffsetAlignment()).isEqualTo(4096);
        }
    }

    @Test
    void directWritesToTheDeviceLandInTheBackingFileAndDiscardFreesThem() throws Exception {
        byte[] pattern = new byte[64 * 1024];
        new Random().nextBytes(pattern);
        long offset = 1 << 20;
        try (LoopDevice loop = LoopDevice.attach(backing, 512);
             DirectFile device = DirectFile.open(loop.path(), OpenFlag.WRITE, OpenFlag.DIRECT);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(pattern.length, 4096);
            MemorySegment.copy(pattern, 0, buffer, JAVA_BYTE, 0, pattern.length);
            device.pwrite(buffer, offset);
            device.fdatasync();
            assertThat(Arrays.copyOfRange(Files.readAllBytes(backing), (int) offset, (int) offset + pattern.length))
                    .isEqualTo(pattern);

            device.discardBlocks(offset, pattern.length);
            buffer.fill((byte) 1);
            device.pread(buffer, offset);
            // A loop device discards by punching a hole in its file, which reads back as zeroes.
            assertThat(buffer.toArray(JAVA_BYTE)).containsOnly(0);
        }
    }
}
