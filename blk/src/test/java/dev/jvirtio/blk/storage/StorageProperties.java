package dev.jvirtio.blk.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Random request sequences, in range and out of it, against a byte array that models the disk: a
 * storage must agree with the model after every request and refuse exactly the requests that reach
 * outside the disk.
 */
class StorageProperties {

    private static final int SIZE = 256 * 1024;
    private static final int OPERATIONS = 40;

    @Property(tries = 40)
    void aMemoryDiskBehavesLikeAnArrayOfBytes(@ForAll long seed) throws IOException {
        try (MemoryStorage disk = new MemoryStorage(SIZE)) {
            runScenario(disk, new byte[SIZE], new Random(seed), false);
        }
    }

    @Property(tries = 15)
    void aDirectIoImageBehavesLikeAnArrayOfBytes(@ForAll long seed) throws IOException {
        withImage(seed, image -> RawStorage.open(image, CacheMode.NONE, false));
    }

    @Property(tries = 15)
    void aPageCachedImageBehavesLikeAnArrayOfBytes(@ForAll long seed) throws IOException {
        withImage(seed, image -> RawStorage.open(image, CacheMode.WRITEBACK, false));
    }

    private static void withImage(long seed, Function<Path, Storage> open) throws IOException {
        Random random = new Random(seed);
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "jvirtio-blk-property-");
        Path image = dir.resolve("disk.img");
        try {
            byte[] model = new byte[SIZE];
            random.nextBytes(model);
            Files.write(image, model);
            try (Storage disk = open.apply(image)) {
                runScenario(disk, model, random, true);
            }
            assertThat(Files.readAllBytes(image)).isEqualTo(model);
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        }
    }

    private static void runScenario(Storage disk, byte[] model, Random random, boolean checkRead) {
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < OPERATIONS; i++) {
                int[] lengths = randomLengths(random);
                int total = GuestBuffers.total(lengths);
                long offset = randomOffset(random, total);
                boolean inRange = offset >= 0 && offset <= SIZE - total;
                int shift = random.nextBoolean() ? 0 : random.nextInt(512);
                switch (random.nextInt(4)) {
                    case 0 -> {
                        byte[] pattern = new byte[total];
                        random.nextBytes(pattern);
                        MemorySegment[] src = GuestBuffers.allocate(arena, shift, lengths);
                        GuestBuffers.fill(src, pattern);
                        if (inRange) {
                            disk.write(offset, src);
                            System.arraycopy(pattern, 0, model, (int) offset, total);
                        } else {
                            assertThatThrownBy(() -> disk.write(offset, src)).isInstanceOf(StorageException.class);
                        }
                    }
                    case 1 -> {
                        MemorySegment[] dst = GuestBuffers.allocate(arena, shift, lengths);
                        if (inRange) {
                            disk.read(offset, dst);
                            assertThat(GuestBuffers.contents(dst))
                                    .isEqualTo(Arrays.copyOfRange(model, (int) offset, (int) offset + total));
                        } else {
                            assertThatThrownBy(() -> disk.read(offset, dst)).isInstanceOf(StorageException.class);
                        }
                    }
                    case 2 -> {
                        if (inRange) {
                            disk.discard(offset, total);
                            Arrays.fill(model, (int) offset, (int) offset + total, (byte) 0);
                        } else {
                            assertThatThrownBy(() -> disk.discard(offset, total)).isInstanceOf(StorageException.class);
                        }
                    }
                    default -> {
                        boolean unmap = random.nextBoolean();
                        if (inRange) {
                            disk.writeZeroes(offset, total, unmap);
                            Arrays.fill(model, (int) offset, (int) offset + total, (byte) 0);
                        } else {
                            assertThatThrownBy(() -> disk.writeZeroes(offset, total, unmap))
                                    .isInstanceOf(StorageException.class);
                        }
                    }
                }
            }
            if (checkRead) {
                MemorySegment[] all = GuestBuffers.allocate(arena, 0, SIZE);
                disk.read(0, all);
                assertThat(GuestBuffers.contents(all)).isEqualTo(model);
            }
        }
    }

    /** Mostly sector-shaped segments, sometimes odd sizes and empty ones. */
    private static int[] randomLengths(Random random) {
        int[] lengths = new int[1 + random.nextInt(4)];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = random.nextInt(4) == 0 ? random.nextInt(3000) : 512 * random.nextInt(1, 17);
        }
        return lengths;
    }

    /** Mostly in range and sector-aligned, sometimes unaligned, negative or past the end. */
    private static long randomOffset(Random random, int length) {
        return switch (random.nextInt(10)) {
            case 0 -> -512L * random.nextInt(1, 4);
            case 1 -> SIZE - length + 512L * random.nextInt(1, 4);
            case 2 -> random.nextInt(SIZE);
            case 3 -> Long.MAX_VALUE - random.nextInt(4096);
            default -> 512L * random.nextInt((SIZE - length) / 512 + 1);
        };
    }
}
