package dev.jvirtio.blk.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class NullStorageTest {

    @Test
    void byDefaultReadsLeaveTheGuestsBuffersAsTheyWereLikeNullCo() {
        try (NullStorage disk = new NullStorage(1 << 20);
             Arena arena = Arena.ofConfined()) {
            MemorySegment[] dst = GuestBuffers.allocate(arena, 3, 512, 4096);
            for (MemorySegment segment : dst) {
                segment.fill((byte) 0x5a);
            }
            disk.read(0, dst);
            assertThat(GuestBuffers.contents(dst)).containsOnly(0x5a);
            assertThat(disk.counters().reads()).isEqualTo(1);
            assertThat(disk.counters().bytesRead()).isEqualTo(4608);
        }
    }

    @Test
    void withZeroReadsTheGuestSeesZeroesWhateverWasWritten() {
        try (NullStorage disk = new NullStorage(1 << 20, true);
             Arena arena = Arena.ofConfined()) {
            MemorySegment[] data = GuestBuffers.allocate(arena, 0, 4096);
            data[0].fill((byte) 0x77);
            disk.write(0, data);
            disk.read(0, data);
            assertThat(GuestBuffers.contents(data)).containsOnly(0);
            assertThat(disk.counters().writes()).isEqualTo(1);
            assertThat(disk.counters().bytesWritten()).isEqualTo(4096);
        }
    }

    @Test
    void everythingElseSucceedsButRangesAreStillChecked() {
        try (NullStorage disk = new NullStorage(8192);
             Arena arena = Arena.ofConfined()) {
            disk.flush();
            disk.discard(0, 8192);
            disk.writeZeroes(512, 512, true);
            assertThat(disk.counters().flushes()).isEqualTo(1);
            assertThat(disk.counters().discards()).isEqualTo(1);
            assertThat(disk.counters().writeZeroes()).isEqualTo(1);
            assertThatThrownBy(() -> disk.read(8192 - 512, GuestBuffers.allocate(arena, 0, 1024)))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("read of 1024 bytes at offset 7680 on null disk reaches past its end at 8192 bytes");
            assertThatThrownBy(() -> disk.discard(0, 8193)).isInstanceOf(StorageException.class);
            assertThat(disk.writebackCache()).isTrue();
        }
    }
}
