package dev.jvirtio.linux;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A loop block device over a file (util-linux {@code losetup}, root only), detached on close: a
 * real block device for tests. Without losetup or the privilege to use it, the test fails under CI
 * and is skipped with a message on standard error elsewhere.
 */
final class LoopDevice implements AutoCloseable {

    private final Path device;

    private LoopDevice(Path device) {
        this.device = device;
    }

    /** Attaches {@code backingFile} with the given logical sector size (512 or 4096). */
    static LoopDevice attach(Path backingFile, int sectorSize) throws InterruptedException {
        String output;
        try {
            output = Stat.run("losetup", "--find", "--show", "--sector-size", Integer.toString(sectorSize),
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

    Path path() {
        return device;
    }

    /** What {@code blockdev} reports, as an oracle independent of the ioctls under test. */
    long blockdev(String query) throws IOException, InterruptedException {
        return Long.parseLong(Stat.run("blockdev", query, device.toString()).strip());
    }

    @Override
    public void close() throws IOException {
        try {
            Stat.run("losetup", "--detach", device.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while detaching " + device, e);
        }
    }
}
