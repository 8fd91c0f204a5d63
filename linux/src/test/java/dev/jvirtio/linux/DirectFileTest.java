package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
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

/** Runs on /var/tmp, on the real disk: O_DIRECT needs a file system that supports it. */
class DirectFileTest {

    private static final int MIB = 1 << 20;

    @TempDir(factory = RealDiskTempDir.class)
    Path dir;

    private final Random random = new Random();
    private Path image;

    @BeforeEach
    void createSparseImage() throws Exception {
        image = dir.resolve("disk.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(4 * MIB);
        }
    }

    @Test
    void directWritesReachTheFileAndDirectReadsReturnThem() throws Exception {
        try (DirectFile file = openDirect(OpenFlag.WRITE);
             Arena arena = Arena.ofConfined()) {
            int alignment = Math.max(file.directMemoryAlignment(), file.directOffsetAlignment());
            byte[] pattern = randomBytes(64 * 1024);
            MemorySegment source = arena.allocate(pattern.length, alignment);
            MemorySegment.copy(pattern, 0, source, JAVA_BYTE, 0, pattern.length);
            long offset = 3L * file.directOffsetAlignment() * 8;

            file.pwrite(source, offset);
            file.fdatasync();

            assertThat(Arrays.copyOfRange(Files.readAllBytes(image), (int) offset, (int) offset + pattern.length))
                    .isEqualTo(pattern);
            MemorySegment target = arena.allocate(pattern.length, alignment);
            assertThat(file.pread(target, offset)).isEqualTo(pattern.length);
            assertThat(target.toArray(JAVA_BYTE)).isEqualTo(pattern);
        }
    }

    @Test
    void theDirectIoAlignmentIsAPowerOfTwoAndAtLeastTheSectorForOffsets() throws Exception {
        try (DirectFile file = openDirect()) {
            assertThat(Integer.bitCount(file.directMemoryAlignment())).isEqualTo(1);
            assertThat(Integer.bitCount(file.directOffsetAlignment())).isEqualTo(1);
            assertThat(file.logicalBlockSize()).isEqualTo(512);
            assertThat(file.isBlockDevice()).isFalse();
            assertThat(file.isDirect()).isTrue();
            assertThat(file.isWritable()).isFalse();
        }
    }

    @Test
    void misalignedDirectTransfersExplainTheBrokenRule() throws Exception {
        // Holes read as zeroes without alignment checks; the checked path needs written blocks.
        Files.write(image, randomBytes(MIB));
        try (DirectFile file = openDirect(OpenFlag.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(8192 + 4096, 4096);
            assertThatThrownBy(() -> file.pread(buffer.asSlice(0, 8192), 1))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageStartingWith("pread(path=" + image + ", offset=1, length=8192)")
                    .hasMessageContaining("O_DIRECT needs buffer addresses aligned to " + file.directMemoryAlignment())
                    .hasMessageEndingWith("offset 1 is not a multiple of " + file.directOffsetAlignment());
            MemorySegment shifted = buffer.asSlice(1, 8192);
            assertThatThrownBy(() -> file.pwrite(shifted, 0))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageEndingWith("buffer address 0x" + Long.toHexString(shifted.address())
                            + " is not a multiple of " + file.directMemoryAlignment());
            MemorySegment[] vector = {buffer.asSlice(0, 4096), buffer.asSlice(4096, 100)};
            assertThatThrownBy(() -> file.preadv(vector, 0))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageEndingWith("length 100 is not a multiple of " + file.directOffsetAlignment() + " (buffer 1)");
        }
    }

    @Test
    void scatterGatherCoversManySegmentsOfOddSizes() throws Exception {
        try (DirectFile file = DirectFile.open(image, OpenFlag.WRITE);
             Arena arena = Arena.ofConfined()) {
            // More segments than one preadv call accepts (1024), of sizes 1..64 bytes.
            MemorySegment[] sources = new MemorySegment[1500];
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            for (int i = 0; i < sources.length; i++) {
                byte[] piece = randomBytes(1 + random.nextInt(64));
                sources[i] = arena.allocateFrom(JAVA_BYTE, piece);
                written.write(piece);
            }
            byte[] expected = written.toByteArray();
            long offset = 12345;
            file.pwritev(sources, offset);
            assertThat(Arrays.copyOfRange(Files.readAllBytes(image), (int) offset, (int) offset + expected.length))
                    .isEqualTo(expected);

            MemorySegment[] targets = new MemorySegment[sources.length];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = arena.allocate(sources[i].byteSize());
            }
            assertThat(file.preadv(targets, offset)).isEqualTo(expected.length);
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            for (MemorySegment target : targets) {
                read.write(target.toArray(JAVA_BYTE));
            }
            assertThat(read.toByteArray()).isEqualTo(expected);
        }
    }

    @Test
    void readsStopAtTheEndOfTheFile() throws Exception {
        long size = Files.size(image);
        try (DirectFile file = DirectFile.open(image);
             Arena arena = Arena.ofConfined()) {
            assertThat(file.size()).isEqualTo(size);
            assertThat(file.pread(arena.allocate(1000), size - 100)).isEqualTo(100);
            assertThat(file.preadv(new MemorySegment[] {arena.allocate(60), arena.allocate(60)}, size - 100))
                    .isEqualTo(100);
            assertThat(file.pread(arena.allocate(10), size)).isZero();
        }
    }

    @Test
    void punchingAHoleFreesTheBlocksAndTheRangeReadsAsZeroes() throws Exception {
        Files.write(image, randomBytes(2 * MIB));
        try (DirectFile file = DirectFile.open(image, OpenFlag.WRITE);
             Arena arena = Arena.ofConfined()) {
            file.fsync();
            long before = Commands.allocatedBytes(image);
            assertThat(file.allocatedBytes()).isEqualTo(before);

            file.fallocate(DirectFile.FALLOC_FL_PUNCH_HOLE | DirectFile.FALLOC_FL_KEEP_SIZE, MIB / 2, MIB);
            file.fsync();

            assertThat(Commands.allocatedBytes(image)).isLessThanOrEqualTo(before - MIB);
            assertThat(Files.size(image)).isEqualTo(2 * MIB);
            MemorySegment hole = arena.allocate(MIB);
            hole.fill((byte) 0x5a);
            file.pread(hole, MIB / 2);
            assertThat(hole.toArray(JAVA_BYTE)).containsOnly(0);
        }
    }

    @Test
    void zeroRangeZeroesWithoutChangingTheSize() throws Exception {
        byte[] original = randomBytes(MIB);
        Files.write(image, original);
        try (DirectFile file = DirectFile.open(image, OpenFlag.WRITE)) {
            file.fallocate(DirectFile.FALLOC_FL_ZERO_RANGE | DirectFile.FALLOC_FL_KEEP_SIZE, 4096, 8192);
        }
        byte[] now = Files.readAllBytes(image);
        assertThat(now).hasSize(MIB);
        assertThat(Arrays.copyOfRange(now, 4096, 4096 + 8192)).containsOnly(0);
        assertThat(Arrays.copyOfRange(now, 0, 4096)).isEqualTo(Arrays.copyOfRange(original, 0, 4096));
        assertThat(Arrays.copyOfRange(now, 12288, MIB)).isEqualTo(Arrays.copyOfRange(original, 12288, MIB));
    }

    @Test
    void aMissingFileIsReportedWithTheCallThePathAndTheError() {
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> DirectFile.open(missing, OpenFlag.WRITE, OpenFlag.DIRECT))
                .isInstanceOfSatisfying(LinuxException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.call()).isEqualTo("open(path=" + missing + ", flags=O_RDWR|O_DIRECT)");
                })
                .hasMessage("open(path=" + missing + ", flags=O_RDWR|O_DIRECT): " + Errno.describe(Errno.ENOENT)
                        + " (errno 2)");
    }

    @Test
    void aDirectoryIsNotAFile() {
        assertThatThrownBy(() -> DirectFile.open(dir))
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EISDIR))
                .hasMessageContaining(dir + " is a directory");
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("pipe");
        Commands.run("mkfifo", fifo.toString());
        assertThatThrownBy(() -> DirectFile.open(fifo))
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV))
                .hasMessageContaining("neither a regular file nor a block device");
    }

    @Test
    void aReadOnlyFileRefusesWritesAndStaysUnchanged() throws Exception {
        byte[] before = Files.readAllBytes(image);
        try (DirectFile file = DirectFile.open(image);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> file.pwrite(arena.allocate(512), 0))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                    .hasMessageStartingWith("pwrite(path=" + image);
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(before);
    }

    @Test
    void heapAndReadOnlyBuffersAreRefused() throws Exception {
        try (DirectFile file = DirectFile.open(image, OpenFlag.WRITE);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> file.pread(MemorySegment.ofArray(new byte[8]), 0))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> file.pwritev(new MemorySegment[] {MemorySegment.ofArray(new byte[8])}, 0))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> file.pread(arena.allocate(8).asReadOnly(), 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void discardingBlocksOfARegularFileIsNotABlockDeviceOperation() throws Exception {
        try (DirectFile file = DirectFile.open(image, OpenFlag.WRITE)) {
            assertThatThrownBy(() -> file.discardBlocks(0, 4096))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTTY))
                    .hasMessageContaining("BLKDISCARD");
        }
    }

    private DirectFile openDirect(OpenFlag... extra) throws LinuxException {
        OpenFlag[] flags = Arrays.copyOf(extra, extra.length + 1);
        flags[extra.length] = OpenFlag.DIRECT;
        try {
            return DirectFile.open(image, flags);
        } catch (LinuxException e) {
            if (e.errno() == Errno.EINVAL) {
                throw new AssertionError("O_DIRECT is not supported by the file system of " + dir
                        + "; these tests need a directory on a real disk", e);
            }
            throw e;
        }
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
