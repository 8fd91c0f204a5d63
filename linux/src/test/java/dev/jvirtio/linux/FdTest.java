package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class FdTest {

    @Test
    void bytesWrittenThroughOneDescriptorAreReadThroughItsDuplicate() throws Exception {
        byte[] message = "hello, descriptor".getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined();
             Fd memfd = MemFd.create("fd-test", 0);
             Fd copy = memfd.dup()) {
            assertThat(copy.value()).isNotEqualTo(memfd.value());
            long written = memfd.write(arena.allocateFrom(ValueLayout.JAVA_BYTE, message));
            assertThat(written).isEqualTo(message.length);
            assertThat(Files.readAllBytes(ProcessFds.path(copy.value()))).isEqualTo(message);
            // The duplicate shares the file offset, which is now at the end.
            assertThat(copy.read(arena.allocate(8))).isZero();
        }
    }

    @Test
    void closeIsIdempotentAndReleasesTheNumber() throws Exception {
        Fd memfd = MemFd.create("close-test", 0);
        int number = memfd.value();
        assertThat(ProcessFds.isOpen(number)).isTrue();
        memfd.close();
        memfd.close();
        assertThat(memfd.isOpen()).isFalse();
        assertThat(ProcessFds.isOpen(number)).isFalse();
        assertThatThrownBy(memfd::value).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void releaseHandsOverTheDescriptorWithoutClosingIt() throws Exception {
        Fd memfd = MemFd.create("release-test", 0);
        int number = memfd.release();
        assertThat(memfd.isOpen()).isFalse();
        memfd.close();
        assertThat(ProcessFds.isOpen(number)).isTrue();
        Fd.adopt(number).close();
        assertThat(ProcessFds.isOpen(number)).isFalse();
    }

    @Test
    void nonBlockingModeCanBeSwitchedBothWays() throws Exception {
        try (EventFd event = EventFd.create(false, false)) {
            Fd fd = event.fd();
            assertThat(fd.isNonBlocking()).isFalse();
            fd.setNonBlocking(true);
            assertThat(fd.isNonBlocking()).isTrue();
            assertThat(event.drain()).isZero();
            fd.setNonBlocking(false);
            assertThat(fd.isNonBlocking()).isFalse();
        }
    }

    @Test
    void heapMemoryIsRefused() throws Exception {
        try (Fd memfd = MemFd.create("heap-test", 16)) {
            assertThatThrownBy(() -> memfd.read(MemorySegment.ofArray(new byte[16])))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("native");
        }
    }

    @Test
    void negativeNumbersAreNotDescriptors() {
        assertThatThrownBy(() -> Fd.adopt(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }
}
