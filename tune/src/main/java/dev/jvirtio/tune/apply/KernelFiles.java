package dev.jvirtio.tune.apply;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The kernel's attribute files (sysfs, procfs, cgroupfs): written in place, since they cannot be
 * renamed over, and read back to see what the kernel made of the write. On a captured tree the
 * same paths are ordinary files, which {@link AtomicFile} writes instead.
 */
final class KernelFiles {

    private static final Set<String> KERNEL_FILE_SYSTEMS = Set.of("sysfs", "proc", "cgroup", "cgroup2");
    private static final int MAX_BYTES = 64 << 10;

    private KernelFiles() {
    }

    /** True when {@code file} lives on sysfs, procfs or a cgroup file system. */
    static boolean isKernel(Path file) {
        Path probe = file;
        while (probe != null && !Files.exists(probe)) {
            probe = probe.getParent();
        }
        if (probe == null) {
            return false;
        }
        try {
            return KERNEL_FILE_SYSTEMS.contains(Files.getFileStore(probe).type());
        } catch (IOException e) {
            return false;
        }
    }

    /** The attribute's text (at most 64 KiB). */
    static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("read " + file + " failed: " + AtomicFile.reason(e), e);
        }
    }

    /** Writes {@code value} and a newline to the attribute, as {@code echo VALUE > FILE} does. */
    static void write(Path file, String value) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap((value + "\n").getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        } catch (IOException e) {
            throw new IOException("write '" + value + "' to " + file + " failed: " + AtomicFile.reason(e), e);
        }
    }

    /**
     * The value a setting's text stands for: the bracketed choice of a selector file
     * ({@code bfq} for {@code "mq-deadline [bfq] none"}), else the text trimmed.
     */
    static String value(String text) {
        for (String word : text.trim().split("\\s+")) {
            if (word.length() > 2 && word.startsWith("[") && word.endsWith("]")) {
                return word.substring(1, word.length() - 1);
            }
        }
        return text.trim();
    }
}
