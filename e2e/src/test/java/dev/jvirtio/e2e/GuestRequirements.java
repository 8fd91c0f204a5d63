package dev.jvirtio.e2e;

import dev.jvirtio.guest.GuestKernel;
import dev.jvirtio.guest.GuestPrerequisites;
import java.nio.file.Path;

/**
 * What the end-to-end tests need from the host, as the guest module's tests check it: a missing
 * piece fails the test under CI and skips it loudly elsewhere, naming what to install.
 */
final class GuestRequirements {

    static final Path IMAGES = GuestPrerequisites.IMAGES;
    static final Path LOGS = GuestPrerequisites.LOGS;

    private GuestRequirements() {
    }

    static GuestKernel kernel() {
        return GuestPrerequisites.kernel();
    }

    static void qemu() {
        GuestPrerequisites.program("qemu-system-x86_64", "qemu-system-x86");
    }

    static void program(String program, String debianPackage) {
        GuestPrerequisites.program(program, debianPackage);
    }
}
