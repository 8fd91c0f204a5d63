package dev.jvirtio.blk.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.linux.Commands;
import dev.jvirtio.linux.DirectFile;
import dev.jvirtio.linux.OpenFlag;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A raw image on the real disk (/var/tmp), in every cache mode. */
class RawStorageTest {

    private static final int MIB = 1 << 20;
    private static final int IMAGE_SIZE = 4 * MIB;

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    private final Random random = new Random();
    private Path image;
    private byte[] original;

    @BeforeEach
    void createImageFullOfData() throws Exception {
        image = dir.resolve("disk.img");
        original = randomBytes(IMAGE_SIZE);
        Files.write(image, original);
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    void aGuestsScatteredWritesReachTheImageAndReadBackAtAnyBufferAlignment(CacheMode mode) throws Exception {
        int memoryAlignment = directMemoryAlignment();
        int[][] layouts = {{512}, {4096, 512, 1536}, {8192, 4096}};
        long[] offsets = {0, 512, 3 * 4096, IMAGE_SIZE - 8192 - 4096};
        int[] shifts = {0, 1, 7, 256, 511};
        byte[] expectedImage = original.clone();
        try (RawStorage storage = RawStorage.open(image, mode, false);
             Arena arena = Arena.ofConfined()) {
            for (int[] lengths : layouts) {
                for (long offset : offsets) {
                    for (int shift : shifts) {
                        byte[] pattern = randomBytes(GuestBuffers.total(lengths));
                        MemorySegment[] src = GuestBuffers.allocate(arena, shift, lengths);
                        GuestBuffers.fill(src, pattern);
                        long bouncesBefore = storage.counters().bounces();

                        storage.write(offset, src);
                        System.arraycopy(pattern, 0, expectedImage, (int) offset, pattern.length);
                        assertThat(fileBytes(offset, pattern.length)).as("file at %d after %s", offset, mode)
                                .isEqualTo(pattern);

                        MemorySegment[] dst = GuestBuffers.allocate(arena, (shift * 3) % 512, lengths);
                        storage.read(offset, dst);
                        assertThat(GuestBuffers.contents(dst)).isEqualTo(pattern);

                        boolean misaligned = shift % memoryAlignment != 0 || (shift * 3) % 512 % memoryAlignment != 0;
                        long bounced = storage.counters().bounces() - bouncesBefore;
                        assertThat(bounced).as("bounces in mode %s with buffers shifted by %d", mode, shift)
                                .isEqualTo(mode.direct() && misaligned ? bounceCount(shift, memoryAlignment) : 0);
                    }
                }
            }
            storage.flush();
            assertThat(storage.counters().writes()).isEqualTo((long) layouts.length * offsets.length * shifts.length);
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(expectedImage);
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    void aRangeThatStartsAndEndsInsideBlocksKeepsItsNeighbours(CacheMode mode) throws Exception {
        byte[] expected = original.clone();
        try (RawStorage storage = RawStorage.open(image, mode, false);
             Arena arena = Arena.ofConfined()) {
            long[][] ranges = {{100, 1000}, {4095, 2}, {MIB - 3, 5000}, {7, 10}};
            for (long[] range : ranges) {
                int length = (int) range[1];
                byte[] pattern = randomBytes(length);
                MemorySegment[] src = GuestBuffers.allocate(arena, 3, length);
                GuestBuffers.fill(src, pattern);
                storage.write(range[0], src);
                System.arraycopy(pattern, 0, expected, (int) range[0], length);

                MemorySegment[] dst = GuestBuffers.allocate(arena, 0, length);
                storage.read(range[0], dst);
                assertThat(GuestBuffers.contents(dst)).isEqualTo(pattern);
            }
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(value = CacheMode.class, names = {"NONE", "DIRECTSYNC"})
    void aLargeMisalignedTransferCrossesSeveralBounceBuffers(CacheMode mode) throws Exception {
        int length = 2 * AlignedTransfers.BOUNCE_BYTES + 1536;
        byte[] pattern = randomBytes(length);
        long offset = 512 * 3;
        try (RawStorage storage = RawStorage.open(image, mode, false);
             Arena arena = Arena.ofConfined()) {
            MemorySegment[] src = GuestBuffers.allocate(arena, 1, 4096, length - 4096);
            GuestBuffers.fill(src, pattern);
            storage.write(offset, src);
            MemorySegment[] dst = GuestBuffers.allocate(arena, 5, length);
            storage.read(offset, dst);
            assertThat(GuestBuffers.contents(dst)).isEqualTo(pattern);
            assertThat(storage.counters().bounces()).isEqualTo(2);
        }
        assertThat(fileBytes(offset, length)).isEqualTo(pattern);
    }

    @Test
    void severalIoThreadsWritingThroughBounceBuffersAtOnceEachLandTheirData() throws Exception {
        int threads = 4;
        int writesPerThread = 64;
        int block = 4096;
        byte[] expected = original.clone();
        try (RawStorage storage = RawStorage.open(image, CacheMode.NONE, false);
             ExecutorService pool = Executors.newFixedThreadPool(threads);
             Arena arena = Arena.ofShared()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                byte[][] patterns = new byte[writesPerThread][];
                for (int i = 0; i < writesPerThread; i++) {
                    patterns[i] = randomBytes(block);
                    System.arraycopy(patterns[i], 0, expected, (i * threads + thread) * block, block);
                }
                done.add(pool.submit(() -> {
                    for (int i = 0; i < writesPerThread; i++) {
                        MemorySegment[] src = GuestBuffers.allocate(arena, 1 + thread, block);
                        GuestBuffers.fill(src, patterns[i]);
                        storage.write((long) (i * threads + thread) * block, src);
                    }
                    return null;
                }));
            }
            for (Future<?> each : done) {
                each.get();
            }
            assertThat(storage.counters().bounces()).isEqualTo((long) threads * writesPerThread);
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(expected);
    }

    @Test
    void discardPunchesAHoleThatReadsAsZeroesAndFreesItsBlocks() throws Exception {
        try (RawStorage storage = RawStorage.open(image, CacheMode.NONE, false);
             Arena arena = Arena.ofConfined()) {
            storage.flush();
            long allocatedBefore = Commands.allocatedBytes(image);
            storage.discard(MIB, 2 * MIB);
            storage.flush();

            assertThat(Commands.allocatedBytes(image)).isLessThanOrEqualTo(allocatedBefore - 2 * MIB);
            MemorySegment[] dst = GuestBuffers.allocate(arena, 0, 2 * MIB);
            storage.read(MIB, dst);
            assertThat(GuestBuffers.contents(dst)).containsOnly(0);
            assertThat(storage.counters().discards()).isEqualTo(1);
        }
        byte[] now = Files.readAllBytes(image);
        assertThat(now).hasSize(IMAGE_SIZE);
        assertThat(Arrays.copyOfRange(now, 0, MIB)).isEqualTo(Arrays.copyOfRange(original, 0, MIB));
        assertThat(Arrays.copyOfRange(now, 3 * MIB, IMAGE_SIZE)).isEqualTo(Arrays.copyOfRange(original, 3 * MIB, IMAGE_SIZE));
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    void writeZeroesZeroesTheRangeAndUnmapFreesIt(CacheMode mode) throws Exception {
        try (RawStorage storage = RawStorage.open(image, mode, false)) {
            storage.flush();
            storage.writeZeroes(512, MIB, false);
            long allocatedAfterZeroRange = Commands.allocatedBytes(image);
            storage.writeZeroes(2 * MIB, MIB, true);
            storage.flush();
            // Punching a hole can cost the file system one block of extent bookkeeping when the
            // file is fragmented (ext4 splits the extent), so the range frees at least 1 MiB less a block.
            long fsBlock = Files.getFileStore(image).getBlockSize();
            assertThat(Commands.allocatedBytes(image)).isLessThanOrEqualTo(allocatedAfterZeroRange - MIB + fsBlock);
            assertThat(storage.counters().writeZeroes()).isEqualTo(2);
        }
        byte[] expected = original.clone();
        Arrays.fill(expected, 512, 512 + MIB, (byte) 0);
        Arrays.fill(expected, 2 * MIB, 3 * MIB, (byte) 0);
        assertThat(Files.readAllBytes(image)).isEqualTo(expected);
    }

    @Test
    void aReadOnlyDiskRefusesEveryChangeAndLeavesTheFileAlone() throws Exception {
        try (RawStorage storage = RawStorage.open(image, CacheMode.NONE, true);
             Arena arena = Arena.ofConfined()) {
            assertThat(storage.readOnly()).isTrue();
            assertThat(storage.supportsDiscard()).isFalse();
            assertThat(storage.supportsWriteZeroes()).isFalse();
            MemorySegment[] src = GuestBuffers.allocate(arena, 0, 4096);
            assertThatThrownBy(() -> storage.write(0, src))
                    .isInstanceOf(StorageException.class).hasMessage("write refused: disk " + image + " is read-only");
            assertThatThrownBy(() -> storage.discard(0, 4096)).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> storage.writeZeroes(0, 4096, true)).isInstanceOf(StorageException.class);
            storage.flush();

            MemorySegment[] dst = GuestBuffers.allocate(arena, 0, 4096);
            storage.read(8192, dst);
            assertThat(GuestBuffers.contents(dst)).isEqualTo(Arrays.copyOfRange(original, 8192, 8192 + 4096));
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(original);
    }

    @ParameterizedTest
    @EnumSource(value = CacheMode.class, names = {"NONE", "WRITEBACK"})
    void rangesPastTheEndAreRefusedAndTheFileDoesNotGrow(CacheMode mode) throws Exception {
        try (RawStorage storage = RawStorage.open(image, mode, false);
             Arena arena = Arena.ofConfined()) {
            assertThat(storage.sizeBytes()).isEqualTo(IMAGE_SIZE);
            MemorySegment[] twoBlocks = GuestBuffers.allocate(arena, 0, 1024);
            assertThatThrownBy(() -> storage.write(IMAGE_SIZE - 512, twoBlocks))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("write of 1024 bytes at offset " + (IMAGE_SIZE - 512) + " on disk " + image
                            + " reaches past its end at " + IMAGE_SIZE + " bytes");
            assertThatThrownBy(() -> storage.read(IMAGE_SIZE, twoBlocks)).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> storage.read(-512, twoBlocks)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("negative");
            assertThatThrownBy(() -> storage.read(Long.MAX_VALUE - 100, twoBlocks)).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> storage.discard(IMAGE_SIZE - 512, 1024)).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> storage.writeZeroes(0, IMAGE_SIZE + 1L, false)).isInstanceOf(StorageException.class);
            assertThat(storage.counters().writes()).isZero();
        }
        assertThat(Files.size(image)).isEqualTo(IMAGE_SIZE);
        assertThat(Files.readAllBytes(image)).isEqualTo(original);
    }

    @Test
    void theCacheModeDecidesTheGuestsWriteCacheBit() {
        for (CacheMode mode : CacheMode.values()) {
            try (RawStorage storage = RawStorage.open(image, mode, false)) {
                assertThat(storage.cacheMode()).isEqualTo(mode);
                assertThat(storage.writebackCache()).isEqualTo(mode.writeback());
                assertThat(storage.logicalBlockSize()).isEqualTo(512);
                assertThat(storage.physicalBlockSize()).isGreaterThanOrEqualTo(storage.logicalBlockSize());
                assertThat(storage.isBlockDevice()).isFalse();
            }
        }
    }

    @Test
    void aMissingImageIsOneSentenceNamingIt() {
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> RawStorage.open(missing, CacheMode.NONE, false))
                .isInstanceOf(StorageException.class)
                .hasMessage("disk " + missing + " does not exist");
    }

    @Test
    void anImageTheUserMayNotWriteIsOneSentenceSayingSo() throws Exception {
        // An immutable file refuses writers even to root, who may otherwise open anything.
        try {
            Commands.run("chattr", "+i", image.toString());
        } catch (IOException e) {
            String why = "cannot make " + image + " immutable with chattr (e2fsprogs): " + e.getMessage();
            if (System.getenv("CI") != null) {
                throw new AssertionError(why, e);
            }
            System.err.println("SKIPPED: " + why);
            Assumptions.abort(why);
        }
        try {
            assertThatThrownBy(() -> RawStorage.open(image, CacheMode.WRITEBACK, false))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("permission denied opening disk " + image
                            + " for writing; check its permissions or open it read-only");
            try (RawStorage readOnly = RawStorage.open(image, CacheMode.WRITEBACK, true)) {
                assertThat(readOnly.sizeBytes()).isEqualTo(IMAGE_SIZE);
            }
        } finally {
            Commands.run("chattr", "-i", image.toString());
        }
    }

    @Test
    void aDirectoryIsNotADisk() {
        assertThatThrownBy(() -> RawStorage.open(dir, CacheMode.WRITEBACK, true))
                .isInstanceOf(StorageException.class)
                .hasMessage("disk " + dir + " is a directory, not an image file or block device");
    }

    @Test
    void aFifoIsNotADisk() throws Exception {
        Path fifo = dir.resolve("fifo");
        Commands.run("mkfifo", fifo.toString());
        assertThatThrownBy(() -> RawStorage.open(fifo, CacheMode.WRITEBACK, true))
                .isInstanceOf(StorageException.class)
                .hasMessage("disk " + fifo + " is neither an image file nor a block device");
    }

    @Test
    void directIoNeedsAWholeNumberOfBlocks() throws Exception {
        Path odd = dir.resolve("odd.img");
        Files.write(odd, new byte[1000]);
        assertThatThrownBy(() -> RawStorage.open(odd, CacheMode.NONE, false))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("disk " + odd + " is 1000 bytes, not a whole number of the")
                .hasMessageEndingWith("choose cache mode writeback");
        try (RawStorage buffered = RawStorage.open(odd, CacheMode.WRITEBACK, false);
             Arena arena = Arena.ofConfined()) {
            MemorySegment[] tail = GuestBuffers.allocate(arena, 0, 488);
            buffered.read(512, tail);
            assertThat(GuestBuffers.contents(tail)).containsOnly(0);
        }
    }

    @Test
    void heapBuffersAreServedThroughTheBounceBuffer() throws Exception {
        byte[] pattern = randomBytes(4096);
        try (RawStorage storage = RawStorage.open(image, CacheMode.WRITEBACK, false)) {
            storage.write(4096, new MemorySegment[] {MemorySegment.ofArray(pattern)});
            byte[] back = new byte[4096];
            storage.read(4096, new MemorySegment[] {MemorySegment.ofArray(back)});
            assertThat(back).isEqualTo(pattern);
            assertThat(storage.counters().bounces()).isEqualTo(2);
        }
        assertThat(fileBytes(4096, 4096)).isEqualTo(pattern);
    }

    /** One bounce for the write and one for the read whenever either buffer is misaligned. */
    private static long bounceCount(int shift, int memoryAlignment) {
        return (shift % memoryAlignment != 0 ? 1 : 0) + ((shift * 3) % 512 % memoryAlignment != 0 ? 1 : 0);
    }

    private int directMemoryAlignment() throws Exception {
        try (DirectFile file = DirectFile.open(image, OpenFlag.DIRECT)) {
            return file.directMemoryAlignment();
        }
    }

    private byte[] fileBytes(long offset, int length) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r");
             FileChannel channel = file.getChannel()) {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // keep reading
            }
            return buffer.array();
        }
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
