package dev.jvirtio.blk.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.linux.LoopDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A block device (a loop device over a file on the real disk) as a disk. */
class RawBlockDeviceTest {

    private static final int SIZE = 8 << 20;

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    @Test
    void aBlockDeviceServesItsWholeCapacityAndNotOneByteMore() throws Exception {
        Path backing = dir.resolve("backing.img");
        byte[] original = new byte[SIZE];
        new Random().nextBytes(original);
        Files.write(backing, original);
        byte[] pattern = new byte[4096];
        new Random().nextBytes(pattern);

        try (LoopDevice loop = LoopDevice.attach(backing, 512);
             RawStorage disk = RawStorage.open(loop.path(), CacheMode.NONE, false);
             Arena arena = Arena.ofConfined()) {
            assertThat(disk.isBlockDevice()).isTrue();
            assertThat(disk.sizeBytes()).isEqualTo(loop.blockdev("--getsize64"));
            assertThat(disk.logicalBlockSize()).isEqualTo(loop.blockdev("--getss"));

            MemorySegment[] last = GuestBuffers.allocate(arena, 0, pattern.length);
            GuestBuffers.fill(last, pattern);
            disk.write(SIZE - pattern.length, last);
            MemorySegment[] beyond = GuestBuffers.allocate(arena, 0, 1024);
            assertThatThrownBy(() -> disk.write(SIZE - 512, beyond))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("reaches past its end at " + SIZE + " bytes");

            disk.discard(4096, 8192);
            disk.writeZeroes(65536, 4096, false);
            disk.flush();
        }
        byte[] now = Files.readAllBytes(backing);
        assertThat(now).hasSize(SIZE);
        assertThat(Arrays.copyOfRange(now, SIZE - pattern.length, SIZE)).isEqualTo(pattern);
        assertThat(Arrays.copyOfRange(now, 65536, 65536 + 4096)).containsOnly(0);
        assertThat(Arrays.copyOfRange(now, 0, 4096)).isEqualTo(Arrays.copyOfRange(original, 0, 4096));
    }
}
