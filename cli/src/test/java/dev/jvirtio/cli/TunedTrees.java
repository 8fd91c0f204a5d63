package dev.jvirtio.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Writable copies of the tune module's captured trees for the plan, apply, rollback and history
 * commands, a fingerprint of a tree to compare it before and after, and a way to run a command.
 */
final class TunedTrees {

    static final Path ROOTS = Path.of("..", "tune", "src", "test", "resources", "roots").toAbsolutePath().normalize();

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
    }

    private TunedTrees() {
    }

    /** Copies fixture tree {@code name} into {@code dir}. */
    static Path copy(String name, Path dir) {
        Path source = ROOTS.resolve(name);
        Path target = dir.resolve(name);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.sorted().toList()) {
                Path to = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
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

    /** Runs {@code command} (as the {@code jvirtio} command line would) with {@code args}. */
    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
