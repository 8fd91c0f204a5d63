package dev.jvirtio.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories under /var/tmp, which lives on the real disk, rather than under /tmp,
 * which may be a tmpfs without O_DIRECT.
 */
public final class RealDiskTempDir implements TempDirFactory {

    static final Path PARENT = Path.of("/var/tmp");

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension) throws IOException {
        return Files.createTempDirectory(PARENT, "jvirtio-linux-test-");
    }
}
