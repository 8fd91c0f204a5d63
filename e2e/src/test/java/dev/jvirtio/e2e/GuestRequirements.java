package dev.jvirtio.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jvirtio.guest.GuestKernel;
import dev.jvirtio.guest.MissingGuestKernelException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What the end-to-end tests need from the host. A missing piece fails the test under CI (the
 * {@code CI} variable is set) and skips it loudly elsewhere, naming what to install.
 */
final class GuestRequirements {

    static final Path IMAGES = Path.of("target", "guest-initramfs").toAbsolutePath();
    static final Path LOGS = Path.of("target", "guest-logs").toAbsolutePath();

    private GuestRequirements() {
    }

    static GuestKernel kernel() {
        try {
            return GuestKernel.locate();
        } catch (MissingGuestKernelException e) {
            return missing(e.getMessage());
        }
    }

    static void qemu() {
        program("qemu-system-x86_64", "qemu-system-x86");
    }

    static void program(String program, String debianPackage) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return;
            }
        }
        missing(program + " is not on the PATH: install the Debian package " + debianPackage + " (scripts/setup does)");
    }

    private static <T> T missing(String why) {
        if (System.getenv("CI") != null) {
            return fail("an end-to-end test prerequisite is missing under CI: " + why);
        }
        System.err.println("SKIPPED end-to-end test: " + why);
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }
}
