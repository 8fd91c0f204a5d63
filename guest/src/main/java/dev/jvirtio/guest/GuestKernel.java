package dev.jvirtio.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Linux kernel and the modules a test guest loads, as {@code scripts/guest-kernel} leaves them
 * in the cache folder {@code ${JVIRTIO_CACHE:-~/.cache/jvirtio}/guest}:
 *
 * <pre>
 *   vmlinuz           the kernel image
 *   modules/NAME.ko   uncompressed modules
 *   manifest          key=value lines: kernel, vmlinuz, modules (load order), package, package-version
 * </pre>
 *
 * <p>Instances are immutable and only describe files; nothing is read until an {@link Initramfs}
 * is built or a {@link GuestMachine} boots.
 */
public final class GuestKernel {
    /** The environment variable naming the cache root; {@code guest} is the folder under it. */
    public static final String CACHE_ENVIRONMENT_VARIABLE = "JVIRTIO_CACHE";

    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_.+-]{1,128}");
    private static final Pattern KERNEL_VERSION = Pattern.compile("[A-Za-z0-9_.+~-]{1,128}");
    private static final long MANIFEST_LIMIT = 64 * 1024;

    private final Path directory;
    private final String version;
    private final String packageName;
    private final Path vmlinuz;
    private final List<String> moduleNames;

    private GuestKernel(Path directory, String version, String packageName, Path vmlinuz,
            List<String> moduleNames) {
        this.directory = directory;
        this.version = version;
        this.packageName = packageName;
        this.vmlinuz = vmlinuz;
        this.moduleNames = List.copyOf(moduleNames);
    }

    /**
     * The kernel in the default cache folder, {@link #defaultDirectory()}.
     *
     * @throws MissingGuestKernelException when the folder, its manifest or a file it lists is
     *     missing or the manifest is malformed
     */
    public static GuestKernel locate() {
        return at(defaultDirectory());
    }

    /**
     * {@code $JVIRTIO_CACHE/guest} when that variable is set and not blank, else
     * {@code ~/.cache/jvirtio/guest}.
     */
    public static Path defaultDirectory() {
        String cache = System.getenv(CACHE_ENVIRONMENT_VARIABLE);
        if (cache != null && !cache.isBlank()) {
            return Path.of(cache).resolve("guest");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "jvirtio", "guest");
    }

    /**
     * The kernel described by {@code directory/manifest}.
     *
     * @throws MissingGuestKernelException when the folder, its manifest or a file it lists is
     *     missing or the manifest is malformed
     */
    public static GuestKernel at(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        Path manifest = dir.resolve("manifest");
        if (!Files.isDirectory(dir)) {
            throw new MissingGuestKernelException(dir, "the folder does not exist");
        }
        if (!Files.isRegularFile(manifest)) {
            throw new MissingGuestKernelException(dir, "it has no manifest");
        }
        Map<String, String> entries = readManifest(dir, manifest);
        String version = required(dir, entries, "kernel");
        if (!KERNEL_VERSION.matcher(version).matches()) {
            throw new MissingGuestKernelException(dir, "the manifest's kernel=" + version + " is not a version");
        }
        String image = required(dir, entries, "vmlinuz");
        if (!FILE_NAME.matcher(image).matches()) {
            throw new MissingGuestKernelException(dir, "the manifest's vmlinuz=" + image + " is not a file name");
        }
        Path vmlinuz = dir.resolve(image);
        if (!Files.isRegularFile(vmlinuz)) {
            throw new MissingGuestKernelException(dir, "the kernel image " + image + " is missing");
        }
        List<String> names = new ArrayList<>();
        for (String name : required(dir, entries, "modules").trim().split("\\s+")) {
            if (!MODULE_NAME.matcher(name).matches()) {
                throw new MissingGuestKernelException(dir, "the manifest names an invalid module '" + name + "'");
            }
            if (names.contains(name)) {
                throw new MissingGuestKernelException(dir, "the manifest lists module " + name + " twice");
            }
            if (!Files.isRegularFile(dir.resolve("modules").resolve(name + ".ko"))) {
                throw new MissingGuestKernelException(dir, "module file modules/" + name + ".ko is missing");
            }
            names.add(name);
        }
        return new GuestKernel(dir, version, entries.getOrDefault("package", ""), vmlinuz, names);
    }

    private static Map<String, String> readManifest(Path dir, Path manifest) {
        String text;
        try {
            if (Files.size(manifest) > MANIFEST_LIMIT) {
                throw new MissingGuestKernelException(dir, "the manifest is larger than " + MANIFEST_LIMIT + " bytes");
            }
            text = Files.readString(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MissingGuestKernelException(dir, "the manifest cannot be read: " + e.getMessage());
        }
        Map<String, String> entries = new HashMap<>();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            if (equals <= 0) {
                throw new MissingGuestKernelException(dir, "the manifest line '" + trimmed + "' is not key=value");
            }
            entries.put(trimmed.substring(0, equals).strip(), trimmed.substring(equals + 1).strip());
        }
        return entries;
    }

    private static String required(Path dir, Map<String, String> entries, String key) {
        String value = entries.get(key);
        if (value == null || value.isEmpty()) {
            throw new MissingGuestKernelException(dir, "the manifest has no " + key + "=");
        }
        return value;
    }

    /** The cache folder, absolute. */
    public Path directory() {
        return directory;
    }

    /** The kernel release, as the guest's {@code uname -r} prints it. */
    public String version() {
        return version;
    }

    /** The Debian package the kernel came from, or an empty string when the manifest omits it. */
    public String packageName() {
        return packageName;
    }

    /** The kernel image QEMU boots. */
    public Path vmlinuz() {
        return vmlinuz;
    }

    /** Module names in load order: every module comes after the modules it depends on. */
    public List<String> moduleNames() {
        return moduleNames;
    }

    /** Module files in load order. */
    public List<Path> modules() {
        return moduleNames.stream().map(this::module).toList();
    }

    /** The file of one module of {@link #moduleNames()}. */
    Path module(String name) {
        return directory.resolve("modules").resolve(name + ".ko");
    }

    @Override
    public String toString() {
        return "GuestKernel[" + version + " in " + directory + "]";
    }
}
