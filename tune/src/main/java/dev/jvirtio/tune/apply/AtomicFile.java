package dev.jvirtio.tune.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a crash leaves either the old content or the new, never a mix: the new
 * content goes to a temporary file in the same directory, is flushed to disk, renamed over the
 * file, and the directory is flushed so that the rename itself survives.
 *
 * <p>Every failure is an {@link IOException} whose message names the operation and the file.
 */
final class AtomicFile {

    /** The permissions of files that did not exist before. */
    static final String NEW_FILE_MODE = "rw-r--r--";

    private AtomicFile() {
    }

    /**
     * Replaces (or creates) {@code file} with {@code content}, giving it the permissions
     * {@code mode} (such as {@code rw-r--r--}) and, when it existed, its owner.
     */
    static void write(Path file, byte[] content, String mode) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + file.getFileName() + ".jvirtio-" + Long.toHexString(
                ThreadLocalRandom.current().nextLong() & 0xffffffffL));
        boolean moved = false;
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("create " + temp + " failed: it already exists", e);
            } catch (IOException e) {
                throw new IOException("write " + temp + " failed: " + reason(e), e);
            }
            Set<PosixFilePermission> permissions = PosixFilePermissions.fromString(mode);
            Files.setPosixFilePermissions(temp, permissions);
            if (Files.exists(file)) {
                Files.setAttribute(temp, "unix:uid", Files.getAttribute(file, "unix:uid"));
                Files.setAttribute(temp, "unix:gid", Files.getAttribute(file, "unix:gid"));
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("rename " + temp + " to " + file + " failed: not atomic on this file system", e);
            } catch (IOException e) {
                throw new IOException("rename " + temp + " to " + file + " failed: " + reason(e), e);
            }
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Deletes {@code file} if it exists and flushes its directory. */
    static void delete(Path file) throws IOException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new IOException("unlink " + file + " failed: " + reason(e), e);
        }
        syncDirectory(file.toAbsolutePath().getParent());
    }

    /** Creates {@code dirs} in order (each the parent of the next), flushing each parent. */
    static void createDirectories(List<Path> dirs) throws IOException {
        for (Path dir : dirs) {
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (IOException e) {
                throw new IOException("mkdir " + dir + " failed: " + reason(e), e);
            }
            syncDirectory(dir.toAbsolutePath().getParent());
        }
    }

    /** Removes {@code dir} when it is empty, flushing its parent. */
    static void removeIfEmpty(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                return;
            }
        } catch (NoSuchFileException e) {
            return;
        }
        try {
            Files.delete(dir);
        } catch (IOException e) {
            throw new IOException("rmdir " + dir + " failed: " + reason(e), e);
        }
        syncDirectory(dir.toAbsolutePath().getParent());
    }

    /** Flushes a directory's entries to disk ({@code fsync} on the directory). */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new IOException("fsync " + dir + " failed: " + reason(e), e);
        }
    }

    /** The permissions of {@code file} as {@code rw-r--r--}. */
    static String mode(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    /** What an I/O exception says, without the file name it repeats. */
    static String reason(IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof FileSystemException f && f.getReason() != null) {
            reason = f.getReason();
        }
        return reason;
    }
}
