package dev.jvirtio.blk.storage.qcow2;

import dev.jvirtio.blk.storage.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Byte-array reads and writes through a {@link Storage}, with guest-like buffer layouts. */
final class Disks {

    private Disks() {
    }

    static byte[] read(Storage disk, long offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, length), 4096).asSlice(0, length);
            disk.read(offset, new MemorySegment[] {buffer});
            return buffer.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static void write(Storage disk, long offset, byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, data.length), 4096).asSlice(0, data.length);
            MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
            disk.write(offset, new MemorySegment[] {buffer});
        }
    }

    /**
     * Writes {@code data} split into a few segments that start at odd addresses when
     * {@code random} says so, as a guest's descriptors may.
     */
    static void writeScattered(Storage disk, long offset, byte[] data, Random random) {
        try (Arena arena = Arena.ofConfined()) {
            int pieces = 1 + random.nextInt(3);
            MemorySegment[] segments = new MemorySegment[pieces];
            int at = 0;
            for (int i = 0; i < pieces; i++) {
                int length = i == pieces - 1 ? data.length - at : random.nextInt(data.length - at + 1);
                int shift = random.nextBoolean() ? 0 : random.nextInt(1, 512);
                segments[i] = arena.allocate(length + shift + 1, 4096).asSlice(shift, length);
                MemorySegment.copy(data, at, segments[i], ValueLayout.JAVA_BYTE, 0, length);
                at += length;
            }
            disk.write(offset, segments);
        }
    }

    static byte[] pattern(Random random, int length) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        return data;
    }
}
