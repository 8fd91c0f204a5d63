package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Only a statically linked busybox can run alone in a guest. */
class BusyboxTest {
    @Test
    void theHostsBusyboxStaticIsAcceptedWithItsApplets() throws IOException {
        GuestPrerequisites.program("busybox", "busybox-static");
        Busybox busybox = Busybox.find();

        assertThat(busybox.appletPaths()).contains("bin/sh", "sbin/insmod", "bin/dd", "usr/bin/md5sum", "sbin/poweroff");
    }

    @Test
    void aDynamicallyLinkedProgramIsRefusedNamingTheStaticPackage() throws IOException {
        Path dynamic = Path.of("/bin/sh").toRealPath();

        assertThatThrownBy(() -> Busybox.checkStatic(dynamic, Files.readAllBytes(dynamic)))
                .isInstanceOf(IOException.class).hasMessageContaining("dynamically linked")
                .hasMessageContaining("busybox-static");
    }

    @Property
    void anyBytesAreEitherAcceptedOrRefusedWithAnIoException(@ForAll @Size(max = 200) byte[] bytes) {
        byte[] elf = bytes.clone();
        if (elf.length >= 6) {
            elf[0] = 0x7f;
            elf[1] = 'E';
            elf[2] = 'L';
            elf[3] = 'F';
            elf[4] = 2;
            elf[5] = 1;
        }
        Throwable thrown = catchThrowable(() -> Busybox.checkStatic(Path.of("candidate"), elf));

        assertThat(thrown).satisfiesAnyOf(t -> assertThat(t).isNull(), t -> assertThat(t).isInstanceOf(IOException.class));
    }
}
