package dev.jvirtio.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a guest kernel cache folder laid out as scripts/guest-kernel leaves it, with stand-in
 * bytes for the kernel and modules: enough for everything that only reads and packs them.
 */
final class KernelCacheFolder {
    private final Path directory;
    private final Map<String, byte[]> modules = new LinkedHashMap<>();
    private String version = "6.1.0-99-amd64";

    KernelCacheFolder(Path directory) {
        this.directory = directory;
    }

    KernelCacheFolder version(String version) {
        this.version = version;
        return this;
    }

    /** Adds a module; modules load in the order added. */
    KernelCacheFolder module(String name, String content) {
        modules.put(name, content.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Writes vmlinuz, the modules and the manifest; returns the folder. */
    Path write() throws IOException {
        Files.createDirectories(directory.resolve("modules"));
        Files.writeString(directory.resolve("vmlinuz"), "kernel image " + version);
        for (Map.Entry<String, byte[]> module : modules.entrySet()) {
            Files.write(directory.resolve("modules").resolve(module.getKey() + ".ko"), module.getValue());
        }
        writeManifest("package=linux-image-" + version + "\npackage-version=1\nkernel=" + version
                + "\nvmlinuz=vmlinuz\nmodules=" + String.join(" ", modules.keySet()) + "\n");
        return directory;
    }

    void writeManifest(String text) throws IOException {
        Files.createDirectories(directory);
        Files.write(directory.resolve("manifest"), text.getBytes(StandardCharsets.UTF_8));
    }
}
