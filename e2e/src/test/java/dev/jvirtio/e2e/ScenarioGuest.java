package dev.jvirtio.e2e;

import dev.jvirtio.guest.GuestFile;
import dev.jvirtio.guest.GuestKernel;
import dev.jvirtio.guest.GuestMachine;
import dev.jvirtio.guest.GuestRun;
import dev.jvirtio.guest.Initramfs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.TestInfo;

/**
 * A real Linux guest that runs one test's script: the cached kernel, an initramfs holding the
 * script and the files it needs, and a console log named after the test.
 */
final class ScenarioGuest {

    /** How long a guest on a served disk may take, boot included. */
    static final Duration DISK_BOOT_LIMIT = Duration.ofSeconds(90);

    private ScenarioGuest() {
    }

    /** The name of the running test method. */
    private static String name(TestInfo test) {
        return test.getTestMethod().orElseThrow().getName();
    }

    /**
     * A guest running {@code script} with {@code files}, its console logged as
     * {@code TEST-ROLE.log} (just {@code TEST.log} when {@code role} is empty); the caller adds its
     * devices and limits.
     */
    static GuestMachine.Builder builder(TestInfo test, String role, String script, List<GuestFile> files)
            throws Exception {
        GuestKernel kernel = GuestRequirements.kernel();
        Path initramfs = Initramfs.build(kernel, script, files, GuestRequirements.IMAGES);
        return GuestMachine.builder(kernel, initramfs)
                .consoleLog(GuestRequirements.LOGS.resolve(name(test) + (role.isEmpty() ? "" : "-" + role) + ".log"));
    }

    /**
     * Boots a guest with {@code cpus} CPUs on the vhost-user-blk disk at {@code socket} ({@code
     * queues} queues) and runs {@code script}, within {@link #DISK_BOOT_LIMIT}.
     */
    static GuestRun bootOnDisk(TestInfo test, String script, List<GuestFile> files, Path socket, int queues, int cpus)
            throws Exception {
        return builder(test, "", script, files)
                .cpus(cpus)
                .vhostUserBlk(socket, queues)
                .timeout(DISK_BOOT_LIMIT)
                .build()
                .run();
    }
}
