package dev.jvirtio.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A fingerprint of a tree, to compare it before and after a command of the plan, apply, rollback family. */
final class TreeFingerprint {

    private TreeFingerprint() {
    }

    /**
     * Every file and directory under {@code root} with its content's SHA-256, leaving out the
     * transaction store ({@code var/}, which the fixtures do not have).
     */
    static Map<String, String> fingerprint(Path root) {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                String relative = root.relativize(path).toString();
                if (relative.equals("var") || relative.startsWith("var/")) {
                    continue;
                }
                entries.put(relative, Files.isDirectory(path) ? "dir" : HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return entries;
    }
}
