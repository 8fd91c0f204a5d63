package dev.jvirtio.blk.storage.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.Storage;
import java.util.Random;

/**
 * The same random requests applied to two storages, the disk under test and its twin: writes of
 * sector-shaped and odd lengths across cluster boundaries (from scattered, misaligned buffers),
 * write-zeroes with and without unmap, and discards. Both must read the same afterwards.
 */
final class TwinScenario {

    private TwinScenario() {
    }

    /** Applies {@code operations} random requests to both disks, which must have the same size. */
    static void run(Storage disk, Storage twin, Random random, int operations, int maxLength) {
        long size = disk.sizeBytes();
        assertThat(twin.sizeBytes()).isEqualTo(size);
        for (int i = 0; i < operations; i++) {
            int length = (int) Math.min(size, 512L * random.nextInt(1, maxLength / 512 + 1));
            long offset = 512L * random.nextLong((size - length) / 512 + 1);
            switch (random.nextInt(8)) {
                case 0 -> {
                    boolean unmap = random.nextBoolean();
                    disk.writeZeroes(offset, length, unmap);
                    twin.writeZeroes(offset, length, unmap);
                }
                case 1 -> {
                    disk.discard(offset, length);
                    twin.writeZeroes(offset, length, true);
                }
                case 2 -> {
                    byte[] check = Disks.read(disk, offset, length);
                    assertThat(check).as("read of %d bytes at %d", length, offset)
                            .isEqualTo(Disks.read(twin, offset, length));
                }
                default -> {
                    byte[] data = Disks.pattern(random, length);
                    Disks.writeScattered(disk, offset, data, random);
                    Disks.write(twin, offset, data);
                }
            }
        }
    }

    /** Asserts that the two disks read the same everywhere, in chunks. */
    static void assertSameContents(Storage disk, Storage twin) {
        long size = disk.sizeBytes();
        int chunk = 1 << 20;
        for (long at = 0; at < size; at += chunk) {
            int n = (int) Math.min(chunk, size - at);
            assertThat(Disks.read(disk, at, n)).as("contents at %d", at).isEqualTo(Disks.read(twin, at, n));
        }
    }
}
