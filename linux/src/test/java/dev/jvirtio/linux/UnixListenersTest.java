package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixListenersTest {

    @TempDir
    Path dir;

    @Test
    void aListeningSocketIsSeenAndAClosedOneIsNot() throws Exception {
        Path path = dir.resolve("l.sock");
        assertThat(UnixListeners.isListening(path)).as("before listen").isFalse();
        try (UnixSocket listener = UnixSocket.listen(path)) {
            assertThat(UnixListeners.isListening(path)).as("while listening").isTrue();
            assertThat(UnixListeners.isListening(dir.resolve("other.sock"))).as("another path").isFalse();
        }
        assertThat(UnixListeners.isListening(path)).as("after close").isFalse();
    }

    @Test
    void aBoundSocketThatDoesNotListenIsNotAListener() {
        Path path = Path.of("/run/x.sock");
        List<String> lines = List.of(
                "Num       RefCount Protocol Flags    Type St Inode Path",
                "0000000090fb819a: 00000002 00000000 00000000 0001 01  1259 /run/x.sock",
                "00000000863ca0f6: 00000002 00000000 00010000 0001 01  1258 /run/y.sock");
        assertThat(UnixListeners.isListening(lines, path)).isFalse();
        assertThat(UnixListeners.isListening(lines, Path.of("/run/y.sock"))).isTrue();
    }

    @Test
    void malformedLinesAreNotListeners() {
        List<String> lines = List.of("header", "garbage", "1: 2 3 zz 0001 01 9 /run/x.sock", "");
        assertThat(UnixListeners.isListening(lines, Path.of("/run/x.sock"))).isFalse();
    }
}
