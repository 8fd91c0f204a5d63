package dev.jvirtio.guest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What the guest tests need from the host. When something is missing a test fails under CI (the
 * {@code CI} variable is set) and is skipped elsewhere, in both cases with a message naming what
 * is missing and how to get it.
 */
public final class GuestPrerequisites {
    /** Where the tests keep built images: shared across tests, keyed by content. */
    public static final Path IMAGES = Path.of("target", "guest-initramfs").toAbsolutePath();
    /** Where each test's console log goes. */
    public static final Path LOGS = Path.of("target", "guest-logs").toAbsolutePath();

    private GuestPrerequisites() {
    }

    /** The guest kernel cache, or the test stops. */
    public static GuestKernel kernel() {
        try {
            return GuestKernel.locate();
        } catch (MissingGuestKernelException e) {
            return missing(e.getMessage());
        }
    }

    /** Stops the test unless {@code program} is on the PATH. */
    public static void program(String program, String debianPackage) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String directory : path.split(File.pathSeparator)) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program))) {
                return;
            }
        }
        missing(program + " is not on the PATH: install the Debian package " + debianPackage
                + " (scripts/guest-kernel installs it)");
    }

    private static <T> T missing(String why) {
        if (System.getenv("CI") != null) {
            return fail("a guest test prerequisite is missing under CI: " + why);
        }
        System.err.println("SKIPPED guest test: " + why);
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }
}
