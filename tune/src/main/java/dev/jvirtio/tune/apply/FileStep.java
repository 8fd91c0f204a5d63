package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A file given new content atomically: a configuration file, a domain XML file, or a kernel
 * setting of a captured tree (where it is an ordinary file). Undone byte for byte: the old content
 * and permissions come back, a file that did not exist is removed with the directories made for it.
 *
 * @param path        the file, absolute
 * @param before      its content before; empty when it did not exist
 * @param mode        its permissions before ({@code rw-r--r--}); those of a new file when it did
 *                    not exist
 * @param after       its content after
 * @param createdDirs the directories made for it, outermost first
 */
record FileStep(Path path, Optional<byte[]> before, String mode, byte[] after, List<Path> createdDirs)
        implements Step {

    static final String KIND = "file";
    private static final int MAX_BYTES = 64 << 20;

    FileStep {
        before = before.map(byte[]::clone);
        after = after.clone();
        createdDirs = List.copyOf(createdDirs);
    }

    /** The step that gives {@code path} the content {@code after}, from what it holds now. */
    static FileStep toward(Path path, byte[] after) throws IOException {
        Optional<byte[]> before = read(path);
        String mode = before.isPresent() ? AtomicFile.mode(path) : AtomicFile.NEW_FILE_MODE;
        List<Path> missing = new ArrayList<>();
        for (Path dir = path.getParent(); dir != null && !Files.isDirectory(dir); dir = dir.getParent()) {
            missing.addFirst(dir);
        }
        return new FileStep(path, before, mode, after, missing);
    }

    @Override
    public String target() {
        return path.toString();
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode node = Step.json(KIND).put("path", path.toString());
        if (before.isPresent()) {
            node.put("before", Base64.getEncoder().encodeToString(before.get()));
        } else {
            node.putNull("before");
        }
        node.put("mode", mode);
        node.put("after", Base64.getEncoder().encodeToString(after));
        ArrayNode dirs = node.putArray("createdDirs");
        createdDirs.forEach(dir -> dirs.add(dir.toString()));
        return node;
    }

    static FileStep fromJson(JsonNode node, Path root, JournalFields fields) throws JournalException {
        Path path = fields.path(fields.text(node, "path"), root, true);
        String mode = fields.text(node, "mode");
        if (!mode.matches("[r-][w-][x-][r-][w-][x-][r-][w-][x-]")) {
            throw fields.damaged("the mode '" + mode + "' is not a permission string");
        }
        List<Path> dirs = new ArrayList<>();
        for (String dir : fields.texts(node, "createdDirs")) {
            Path d = fields.path(dir, root, false);
            if (!path.startsWith(d) || d.equals(path)) {
                throw fields.damaged("the directory " + d + " does not contain " + path);
            }
            dirs.add(d);
        }
        return new FileStep(path, fields.optionalBytes(node, "before"), mode, fields.bytes(node, "after"), dirs);
    }

    @Override
    public Optional<String> make(StepEnvironment env) throws IOException {
        AtomicFile.createDirectories(createdDirs);
        AtomicFile.write(path, after, mode);
        if (!Arrays.equals(read(path).orElse(null), after)) {
            throw new IOException(path + " does not hold what was written");
        }
        return Optional.empty();
    }

    /** Writes only what differs from before, so that undoing a step that never took touches nothing. */
    @Override
    public void undo(StepEnvironment env) throws IOException {
        Optional<byte[]> now = read(path);
        if (before.isPresent()) {
            if (now.isEmpty() || !Arrays.equals(now.get(), before.get())) {
                AtomicFile.write(path, before.get(), mode);
            }
            return;
        }
        if (now.isPresent()) {
            AtomicFile.delete(path);
        }
        for (Path dir : createdDirs.reversed()) {
            AtomicFile.removeIfEmpty(dir);
        }
    }

    @Override
    public StepState state(StepEnvironment env) throws IOException {
        Optional<byte[]> now = read(path);
        if (now.isPresent() && Arrays.equals(now.get(), after)) {
            return StepState.AFTER;
        }
        if (now.isEmpty() && before.isEmpty() || now.isPresent() && before.isPresent()
                && Arrays.equals(now.get(), before.get())) {
            return StepState.BEFORE;
        }
        return StepState.OTHER;
    }

    /** The content of {@code path}; empty when it does not exist. */
    static Optional<byte[]> read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException(path + " is larger than " + MAX_BYTES + " bytes");
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IOException("read " + path + " failed: " + AtomicFile.reason(e), e);
        }
    }
}
