package dev.jvirtio.tune.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A capture archive unpacked into a temporary directory, to be audited as a root. Closing it
 * deletes the directory.
 */
public final class ExtractedCapture implements AutoCloseable {

    private final Path archive;
    private final Path root;

    ExtractedCapture(Path archive, Path root) {
        this.archive = archive;
        this.root = root;
    }

    /** The archive this came from. */
    public Path archive() {
        return archive;
    }

    /** The directory holding the captured tree. */
    public Path root() {
        return root;
    }

    /** Deletes the directory and everything in it. */
    @Override
    public void close() {
        delete(root);
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the extracted capture " + dir, e);
        }
    }
}
