package dev.jvirtio.blk.storage;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MemoryStorageTest {

    @Test
    void scatteredWritesLandContiguouslyAndReadBackThroughOtherLayouts() {
        byte[] pattern = new byte[6144];
        new Random().nextBytes(pattern);
        try (MemoryStorage disk = new MemoryStorage(1 << 20);
             Arena arena = Arena.ofConfined()) {
            MemorySegment[] src = GuestBuffers.allocate(arena, 5, 512, 4096, 1536);
            GuestBuffers.fill(src, pattern);
            disk.write(10_240, src);
            assertThat(disk.contents().asSlice(10_240, pattern.length).toArray(JAVA_BYTE)).isEqualTo(pattern);

            MemorySegment[] dst = GuestBuffers.allocate(arena, 0, 3000, 0, 3144);
            disk.read(10_240, dst);
            assertThat(GuestBuffers.contents(dst)).isEqualTo(pattern);
        }
    }

    @Test
    void discardAndWriteZeroesLeaveZeroesBehind() {
        byte[] ones = new byte[8192];
        Arrays.fill(ones, (byte) 1);
        try (MemoryStorage disk = new MemoryStorage(8192);
             Arena arena = Arena.ofConfined()) {
            disk.write(0, new MemorySegment[] {arena.allocateFrom(JAVA_BYTE, ones)});
            disk.discard(0, 512);
            disk.writeZeroes(4096, 1024, false);
            byte[] expected = ones.clone();
            Arrays.fill(expected, 0, 512, (byte) 0);
            Arrays.fill(expected, 4096, 5120, (byte) 0);
            assertThat(disk.contents().toArray(JAVA_BYTE)).isEqualTo(expected);
        }
    }

    @Test
    void aReadOnlyMemoryDiskRefusesChanges() {
        try (MemoryStorage disk = new MemoryStorage(4096, true);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> disk.write(0, GuestBuffers.allocate(arena, 0, 512)))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("write refused: memory disk is read-only");
            assertThatThrownBy(() -> disk.writeZeroes(0, 512, false)).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> disk.discard(0, 512)).isInstanceOf(StorageException.class);
            assertThat(disk.contents().toArray(JAVA_BYTE)).containsOnly(0);
        }
    }

    @Test
    void theContentsViewCannotBeWrittenAndCloseIsIdempotent() {
        MemoryStorage disk = new MemoryStorage(512);
        assertThat(disk.contents().isReadOnly()).isTrue();
        disk.close();
        disk.close();
        assertThatThrownBy(() -> disk.contents().get(JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }
}
