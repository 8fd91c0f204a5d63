package dev.jvirtio.tune.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The machine's files as seen through a root directory: {@code /} for the live machine, a captured
 * tree, or a test fixture. Paths are written as on the live machine ({@code /proc/sys/vm/swappiness})
 * and resolved under the root.
 *
 * <p>Nothing here throws for a missing or unreadable file: reads return an empty result, and a file
 * that exists but cannot be read (or holds something malformed) is recorded in {@link #problems()}.
 * Every successful read, listing, existence check and link lookup is remembered so that
 * {@link FactCapture} can write exactly what the audit saw.
 *
 * <p>Symbolic links that a captured tree cannot hold as links (because the same path is also read
 * as a directory, like {@code /sys/block/vda}) are kept in the manifest {@value #LINKS_MANIFEST}
 * under the root, one {@code path TAB target} a line; {@link #readLink} consults it when the path is
 * not a link on disk.
 *
 * <p>Not thread-safe: one audit reads through one instance.
 */
public final class FactRoot {

    /** The manifest of symbolic links of a captured tree, relative to the root. */
    public static final String LINKS_MANIFEST = ".jvirtio/links.tsv";

    /** Files larger than this are read only up to this many bytes. */
    static final int MAX_FILE_BYTES = 4 << 20;

    private final Path root;
    private final boolean live;
    private final Map<String, byte[]> files = new TreeMap<>();
    private final Set<String> directories = new LinkedHashSet<>();
    private final Map<String, String> links = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private Map<String, String> manifest;

    private FactRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.live = this.root.getParent() == null;
    }

    /** The tree under {@code root}; {@code /} is the live machine. */
    public static FactRoot of(Path root) {
        return new FactRoot(root);
    }

    /** The live machine. */
    public static FactRoot live() {
        return new FactRoot(Path.of("/"));
    }

    /** The root directory, absolute. */
    public Path path() {
        return root;
    }

    /** True when the root is {@code /}: the facts are the running machine's own. */
    public boolean isLive() {
        return live;
    }

    /**
     * The whole content of {@code path} (at most {@value #MAX_FILE_BYTES} bytes), decoded as UTF-8.
     * Empty when the file does not exist; empty with a problem recorded when it exists but cannot
     * be read.
     */
    public Optional<String> read(String path) {
        return readBytes(path, true).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /** Like {@link #read} but without remembering the file for a capture; see {@link #keep}. */
    public Optional<String> readUnrecorded(String path) {
        return readBytes(path, false).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /** The raw bytes of {@code path}, remembered for a capture; see {@link #read}. */
    public Optional<byte[]> readRaw(String path) {
        return readBytes(path, true);
    }

    /** The raw bytes of {@code path}, not remembered; see {@link #keep}. */
    public Optional<byte[]> readRawUnrecorded(String path) {
        return readBytes(path, false);
    }

    /** The first line of {@code path}, trimmed; empty when the file is missing, unreadable or empty. */
    public Optional<String> readLine(String path) {
        return read(path).map(text -> {
            int end = text.indexOf('\n');
            return (end < 0 ? text : text.substring(0, end)).trim();
        }).filter(line -> !line.isEmpty());
    }

    /**
     * The first line of {@code path} as a decimal number. A file that holds something else is
     * recorded as a problem and gives an empty result.
     */
    public OptionalLong readLong(String path) {
        Optional<String> line = readLine(path);
        if (line.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(line.get()));
        } catch (NumberFormatException e) {
            problem(path + ": expected a number, found '" + shorten(line.get()) + "'");
            return OptionalLong.empty();
        }
    }

    /**
     * Remembers {@code content} as the content of {@code path} for a capture, as if it had been
     * read: used for files first read with {@link #readUnrecorded} and found relevant, and for
     * command output stored as a file (such as {@code /ethtool/eth0.txt}).
     */
    public void keep(String path, byte[] content) {
        files.put(relative(path), content.clone());
    }

    /** {@link #keep(String, byte[])} for text, encoded as UTF-8. */
    public void keep(String path, String content) {
        keep(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The names in directory {@code path}, sorted; empty when it does not exist or is not a
     * directory.
     */
    public List<String> list(String path) {
        Path dir = resolve(path);
        if (dir == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (AccessDeniedException e) {
            problem(path + ": permission denied");
            return List.of();
        } catch (IOException e) {
            problem(path + ": cannot list (" + e.getMessage() + ")");
            return List.of();
        }
        directories.add(relative(path));
        Collections.sort(names);
        return names;
    }

    /**
     * Like {@link #list}, for directories whose entry names are themselves the facts (the devices of
     * an IOMMU group): each entry is remembered too, so that a capture lists the same names.
     */
    public List<String> listNames(String path) {
        List<String> names = list(path);
        for (String name : names) {
            exists(path + "/" + name);
        }
        return names;
    }

    /** True when {@code path} exists (file, directory, device node or link target). */
    public boolean exists(String path) {
        Path file = resolve(path);
        if (file == null || !Files.exists(file)) {
            return false;
        }
        if (Files.isDirectory(file)) {
            directories.add(relative(path));
        } else if (!files.containsKey(relative(path))) {
            // Device nodes and the like are captured as empty files: what matters is that they exist.
            files.put(relative(path), Files.isRegularFile(file) ? readBytes(path, false).orElse(new byte[0])
                    : new byte[0]);
        }
        return true;
    }

    /** True when {@code path} is a directory. */
    public boolean isDirectory(String path) {
        Path file = resolve(path);
        if (file != null && Files.isDirectory(file)) {
            directories.add(relative(path));
            return true;
        }
        return false;
    }

    /**
     * The target of the symbolic link {@code path} as stored in the link (often relative, such as
     * {@code ../../../bus/virtio/drivers/virtio_blk}); empty when {@code path} is not a link.
     */
    public Optional<String> readLink(String path) {
        Path link = resolve(path);
        if (link == null) {
            return Optional.empty();
        }
        String target = null;
        if (Files.isSymbolicLink(link)) {
            try {
                target = Files.readSymbolicLink(link).toString();
            } catch (IOException e) {
                problem(path + ": cannot read link (" + e.getMessage() + ")");
                return Optional.empty();
            }
        } else {
            target = manifest().get(relative(path));
        }
        if (target == null) {
            return Optional.empty();
        }
        links.put(relative(path), target);
        return Optional.of(target);
    }

    /** The last name of the link target of {@code path}, such as {@code virtio_blk}. */
    public Optional<String> readLinkName(String path) {
        return readLink(path).map(target -> {
            String trimmed = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
            return trimmed.substring(trimmed.lastIndexOf('/') + 1);
        }).filter(name -> !name.isEmpty());
    }

    /** Records something that could not be read or made no sense, as one sentence. */
    public void problem(String text) {
        if (!problems.contains(text)) {
            problems.add(text);
        }
    }

    /** What could not be read or parsed, in the order met. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** The files remembered so far: path relative to the root to content. */
    public Map<String, byte[]> recordedFiles() {
        Map<String, byte[]> copy = new LinkedHashMap<>();
        files.forEach((path, bytes) -> copy.put(path, bytes.clone()));
        return copy;
    }

    /** The directories listed or found so far, relative to the root. */
    public Set<String> recordedDirectories() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(directories));
    }

    /** The symbolic links read so far: path relative to the root to target. */
    public Map<String, String> recordedLinks() {
        return Collections.unmodifiableMap(new TreeMap<>(links));
    }

    private Optional<byte[]> readBytes(String path, boolean record) {
        Path file = resolve(path);
        if (file == null) {
            return Optional.empty();
        }
        if (Files.isDirectory(file)) {
            problem(path + ": is a directory, expected a file");
            return Optional.empty();
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            problem(path + ": permission denied");
            return Optional.empty();
        } catch (IOException e) {
            problem(path + ": cannot read (" + e.getMessage() + ")");
            return Optional.empty();
        }
        if (record) {
            files.put(relative(path), bytes);
        }
        return Optional.of(bytes);
    }

    private Map<String, String> manifest() {
        if (manifest == null) {
            manifest = new TreeMap<>();
            if (!live) {
                Path file = root.resolve(LINKS_MANIFEST);
                try {
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        int tab = line.indexOf('\t');
                        if (tab > 0) {
                            manifest.put(stripSlashes(line.substring(0, tab)), line.substring(tab + 1).trim());
                        }
                    }
                } catch (NoSuchFileException e) {
                    // A tree without links.
                } catch (IOException e) {
                    problem(LINKS_MANIFEST + ": cannot read (" + e.getMessage() + ")");
                }
            }
        }
        return manifest;
    }

    /** The file for {@code path} under the root, or null when the path tries to leave the root. */
    private Path resolve(String path) {
        String relative = relative(path);
        for (String part : relative.split("/")) {
            if (part.equals("..")) {
                problem(path + ": refused a path that leaves the root");
                return null;
            }
        }
        return relative.isEmpty() ? root : root.resolve(relative);
    }

    private static String relative(String path) {
        return stripSlashes(path);
    }

    private static String stripSlashes(String path) {
        int start = 0;
        while (start < path.length() && path.charAt(start) == '/') {
            start++;
        }
        int end = path.length();
        while (end > start && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(start, end);
    }

    private static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
