package dev.jvirtio.linux;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A loop block device over a file (util-linux {@code losetup}, root only), detached on close: a
 * real block device for tests. Without losetup or the privilege to use it, the test fails under CI
 * and is skipped with a message on standard error elsewhere. Shared with other modules' tests
 * through this module's test jar.
 */
public final class LoopDevice implements AutoCloseable {

    private final Path device;

    private LoopDevice(Path device) {
        this.device = device;
    }

    /** Attaches {@code backingFile} with the given logical sector size (512 or 4096). */
    public static LoopDevice attach(Path backingFile, int sectorSize) throws InterruptedException {
        String output;
        try {
            output = Commands.run("losetup", "--find", "--show", "--sector-size", Integer.toString(sectorSize),
                    backingFile.toString());
        } catch (IOException e) {
            String why = "cannot create a loop block device (needs root and losetup from the 'mount' package): "
                    + e.getMessage();
            if (System.getenv("CI") != null) {
                Assertions.fail(why);
            }
            System.err.println("SKIPPED: " + why);
            Assumptions.abort(why);
            throw new AssertionError(why);
        }
        return new LoopDevice(Path.of(output.strip()));
    }

    /** The device node, such as /dev/loop0. */
    public Path path() {
        return device;
    }

    /** What {@code blockdev} reports, as an oracle independent of the code under test. */
    public long blockdev(String query) throws IOException, InterruptedException {
        return Long.parseLong(Commands.run("blockdev", query, device.toString()).strip());
    }

    @Override
    public void close() throws IOException {
        try {
            Commands.run("losetup", "--detach", device.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while detaching " + device, e);
        }
    }
}
