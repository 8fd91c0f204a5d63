package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MemFdMmapTest {

    private static final long PAGE = Mmap.pageSize();

    @Test
    void twoSharedMappingsOfOneMemfdSeeEachOthersWrites() throws Exception {
        long seed = new Random().nextLong();
        try (Fd memfd = MemFd.create("guest-ram", 4 * PAGE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment device = Mmap.map(memfd, 0, 4 * PAGE, true, arena);
            MemorySegment driver = Mmap.map(memfd, 0, 4 * PAGE, true, arena);
            assertThat(device.address()).isNotEqualTo(driver.address());

            device.set(JAVA_LONG, 3 * PAGE + 8, seed);
            assertThat(driver.get(JAVA_LONG, 3 * PAGE + 8)).isEqualTo(seed);
            driver.set(JAVA_LONG, 16, ~seed);
            assertThat(device.get(JAVA_LONG, 16)).isEqualTo(~seed);

            // The file itself, read through /proc, holds what the mappings wrote.
            ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(ProcessFds.path(memfd.value())))
                    .order(ByteOrder.nativeOrder());
            assertThat(file.capacity()).isEqualTo(4 * PAGE);
            assertThat(file.getLong((int) (3 * PAGE + 8))).isEqualTo(seed);
            assertThat(file.getLong(16)).isEqualTo(~seed);
        }
    }

    @Test
    void aMappingAtAPageOffsetShowsThatPartOfTheFile() throws Exception {
        try (Fd memfd = MemFd.create("offset", 3 * PAGE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment whole = Mmap.map(memfd, 0, 3 * PAGE, true, arena);
            MemorySegment tail = Mmap.map(memfd, PAGE, 2 * PAGE, true, arena);
            whole.set(JAVA_LONG, PAGE + 40, 0x1122334455667788L);
            assertThat(tail.byteSize()).isEqualTo(2 * PAGE);
            assertThat(tail.get(JAVA_LONG, 40)).isEqualTo(0x1122334455667788L);
        }
    }

    @Test
    void aPrivateMappingKeepsItsWritesToItself() throws Exception {
        try (Fd memfd = MemFd.create("private", PAGE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment shared = Mmap.map(memfd, 0, PAGE, true, arena);
            MemorySegment copy = Mmap.map(memfd, 0, PAGE, false, arena);
            shared.set(JAVA_LONG, 0, 7);
            copy.set(JAVA_LONG, 8, 9);
            assertThat(shared.get(JAVA_LONG, 8)).isZero();
            assertThat(copy.get(JAVA_LONG, 8)).isEqualTo(9);
        }
    }

    @Test
    void closingTheArenaUnmapsButClosingTheFdDoesNot() throws Exception {
        String name = "unmap-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Arena arena = Arena.ofShared();
        MemorySegment mapping;
        try (Fd memfd = MemFd.create(name, PAGE)) {
            mapping = Mmap.map(memfd, 0, PAGE, true, arena);
        }
        mapping.set(JAVA_LONG, 0, 42);
        assertThat(mapping.get(JAVA_LONG, 0)).isEqualTo(42);
        assertThat(Files.readString(Path.of("/proc/self/maps"))).contains("memfd:" + name);

        arena.close();
        assertThat(Files.readString(Path.of("/proc/self/maps"))).doesNotContain("memfd:" + name);
        assertThatThrownBy(() -> mapping.get(JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aMemfdHasTheRequestedSize() throws Exception {
        try (Fd memfd = MemFd.create("sized", 5 * PAGE + 3)) {
            assertThat(Files.size(ProcessFds.path(memfd.value()))).isEqualTo(5 * PAGE + 3);
        }
    }

    @Test
    void offsetsThatAreNotPageAlignedAreRefused() throws Exception {
        try (Fd memfd = MemFd.create("unaligned", 2 * PAGE);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Mmap.map(memfd, 512, PAGE, true, arena))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("page size")
                    .hasMessageContaining("512");
            assertThatThrownBy(() -> Mmap.map(memfd, 0, 0, true, arena))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anImpossibleMappingNamesTheCallItsArgumentsAndTheError() throws Exception {
        long huge = 1L << 62;
        try (Fd memfd = MemFd.create("huge", huge);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Mmap.map(memfd, 0, huge, true, arena))
                    .isInstanceOfSatisfying(LinuxException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
                        assertThat(e.getMessage()).isEqualTo("mmap(length=" + huge + ", fd=" + memfd.value()
                                + ", offset=0, MAP_SHARED): " + Errno.describe(Errno.ENOMEM) + " (errno 12)");
                    });
        }
    }

    @Test
    void aMappingPastTheEndOfTheFileIsRefusedBeforeItCanFault() throws Exception {
        try (Fd memfd = MemFd.create("short", 2 * PAGE);
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Mmap.map(memfd, PAGE, 2 * PAGE, true, arena))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isZero())
                    .hasMessage("mmap(length=" + 2 * PAGE + ", fd=" + memfd.value() + ", offset=" + PAGE
                            + "): the mapping reaches past the end of the file at " + 2 * PAGE + " bytes");
            long lastPage = Long.MAX_VALUE - PAGE + 1;
            assertThatThrownBy(() -> Mmap.map(memfd, lastPage, PAGE, true, arena))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageEndingWith("reaches past the end of the file at " + 2 * PAGE + " bytes");
        }
    }

    @Test
    void aNegativeMemfdSizeIsRefused() {
        assertThatThrownBy(() -> MemFd.create("negative", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
