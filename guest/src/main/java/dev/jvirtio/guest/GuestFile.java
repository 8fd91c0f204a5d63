package dev.jvirtio.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A file to place in a guest's initramfs.
 *
 * @param path absolute guest path, such as {@code /data/pattern.bin}; no {@code .} or {@code ..}
 *     parts, no empty parts
 * @param content the bytes; the record keeps its own copy
 * @param mode permission bits, {@code 0} to {@code 07777}
 */
public record GuestFile(String path, byte[] content, int mode) {
    /** The largest file an initramfs entry may hold here: the guest keeps it in RAM. */
    public static final int MAX_SIZE = 256 * 1024 * 1024;

    /**
     * @throws IllegalArgumentException when the path is not an absolute, normalised guest path,
     *     the content exceeds {@link #MAX_SIZE} or the mode has bits beyond {@code 07777}
     */
    public GuestFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(content, "content");
        checkGuestPath(path);
        if (content.length > MAX_SIZE) {
            throw new IllegalArgumentException("guest file " + path + " is " + content.length
                    + " bytes, more than the limit of " + MAX_SIZE);
        }
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("guest file " + path + " has invalid mode 0" + Integer.toOctalString(mode));
        }
        content = content.clone();
    }

    /** A regular file readable by everyone (mode 0644). */
    public static GuestFile of(String path, byte[] content) {
        return new GuestFile(path, content, 0644);
    }

    /** An executable file (mode 0755), such as a script. */
    public static GuestFile executable(String path, byte[] content) {
        return new GuestFile(path, content, 0755);
    }

    /**
     * A copy of a host file, executable in the guest when it is executable on the host.
     *
     * @throws IOException when the host file cannot be read
     */
    public static GuestFile copyOf(String path, Path hostFile) throws IOException {
        return new GuestFile(path, Files.readAllBytes(hostFile), Files.isExecutable(hostFile) ? 0755 : 0644);
    }

    /** The bytes; a copy. */
    @Override
    public byte[] content() {
        return content.clone();
    }

    byte[] contentView() {
        return content;
    }

    static void checkGuestPath(String path) {
        if (!path.startsWith("/") || path.length() < 2 || path.length() > 1024 || path.endsWith("/")) {
            throw new IllegalArgumentException("guest path '" + path + "' must be absolute and name a file");
        }
        for (String part : path.substring(1).split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("guest path '" + path + "' has an empty, . or .. part");
            }
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GuestFile that && path.equals(that.path) && mode == that.mode
                && Arrays.equals(content, that.content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, mode, Arrays.hashCode(content));
    }

    @Override
    public String toString() {
        return "GuestFile[" + path + ", " + content.length + " bytes, mode 0" + Integer.toOctalString(mode) + "]";
    }
}
