package dev.jvirtio.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What /proc says about this process's descriptors: an oracle independent of the code under test. */
final class ProcessFds {

    private ProcessFds() {
    }

    /** How many descriptors the process has open now. */
    static long count() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether descriptor {@code number} is open. */
    static boolean isOpen(int number) {
        return Files.exists(path(number), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** The /proc path through which the file behind descriptor {@code number} can be opened. */
    static Path path(int number) {
        return Path.of("/proc/self/fd/" + number);
    }
}
