package dev.jvirtio.guest;

import java.nio.file.Path;

/**
 * The guest kernel cache is absent, incomplete or unreadable. The message is one sentence that
 * names the cache folder and tells the user to run {@code scripts/setup} (or
 * {@code scripts/guest-kernel}).
 */
public final class MissingGuestKernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Path directory;

    MissingGuestKernelException(Path directory, String problem) {
        super("No usable guest kernel in " + directory + " (" + problem
                + "): run scripts/setup, or scripts/guest-kernel, to fetch it.");
        this.directory = directory;
    }

    /** The cache folder that was looked at. */
    public Path directory() {
        return directory;
    }
}
