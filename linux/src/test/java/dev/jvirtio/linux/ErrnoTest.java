package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void errnoTextsAreTheCLibrarysDescriptions() {
        assertThat(Errno.describe(Errno.ENOENT)).isEqualTo("No such file or directory");
        assertThat(Errno.describe(Errno.ENOMEM)).isEqualTo("Cannot allocate memory");
        assertThat(Errno.describe(Errno.EADDRINUSE)).isEqualTo("Address already in use");
        assertThat(Errno.describe(100_000)).contains("100000");
    }

    @Test
    void anExceptionMessageNamesTheCallTheTextAndTheNumber() {
        LinuxException e = LinuxException.of("mmap(length=4096, fd=12)", Errno.ENOMEM);
        assertThat(e.getMessage()).isEqualTo("mmap(length=4096, fd=12): Cannot allocate memory (errno 12)");
        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(e.call()).isEqualTo("mmap(length=4096, fd=12)");
        assertThat(LinuxException.of("bind(path=/x)", Errno.EADDRINUSE, "in use").getMessage())
                .isEqualTo("bind(path=/x): Address already in use (errno 98); in use");
    }
}
