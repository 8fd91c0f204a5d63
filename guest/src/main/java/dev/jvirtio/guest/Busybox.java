package dev.jvirtio.guest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The host's statically linked busybox (Debian package {@code busybox-static}): the only program
 * in a test guest, with one symbolic link per applet.
 */
final class Busybox {
    /** Where Debian's busybox-static installs it. */
    static final List<Path> LOCATIONS = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

    private static final Pattern APPLET_PATH = Pattern.compile("(?:[a-z]+/)*[A-Za-z0-9_.\\[\\]-]{1,64}");
    private static final int PT_INTERP = 3;

    private final Path file;
    private final byte[] bytes;
    private final List<String> appletPaths;

    private Busybox(Path file, byte[] bytes, List<String> appletPaths) {
        this.file = file;
        this.bytes = bytes;
        this.appletPaths = appletPaths;
    }

    /**
     * The first static busybox of {@link #LOCATIONS}, and its applets.
     *
     * @throws IOException when none is there, it is dynamically linked or it cannot list its
     *     applets; the message says to install busybox-static
     */
    static Busybox find() throws IOException {
        for (Path candidate : LOCATIONS) {
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return load(candidate);
            }
        }
        throw new IOException("busybox is not installed at " + LOCATIONS.getFirst()
                + ": install the Debian package busybox-static");
    }

    /**
     * The busybox at {@code file}.
     *
     * @throws IOException when it is not a static x86-64 ELF executable or cannot list its applets
     */
    static Busybox load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        checkStatic(file, bytes);
        return new Busybox(file, bytes, listApplets(file));
    }

    /** Rejects anything but a 64-bit little-endian ELF executable without a program interpreter. */
    static void checkStatic(Path file, byte[] bytes) throws IOException {
        ByteBuffer elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 64 || elf.getInt(0) != 0x464c457f || bytes[4] != 2 || bytes[5] != 1) {
            throw new IOException(file + " is not a 64-bit little-endian ELF executable: install busybox-static");
        }
        long tableOffset = elf.getLong(0x20);
        int entrySize = Short.toUnsignedInt(elf.getShort(0x36));
        int count = Short.toUnsignedInt(elf.getShort(0x38));
        if (entrySize < 4 || tableOffset < 0 || tableOffset > bytes.length
                || (long) entrySize * count > bytes.length - tableOffset) {
            throw new IOException(file + " has a malformed ELF program header table: install busybox-static");
        }
        for (int i = 0; i < count; i++) {
            if (elf.getInt((int) (tableOffset + (long) i * entrySize)) == PT_INTERP) {
                throw new IOException(file + " is dynamically linked and cannot run alone in a guest:"
                        + " install the Debian package busybox-static");
            }
        }
    }

    private static List<String> listApplets(Path file) throws IOException {
        Process process = new ProcessBuilder(file.toString(), "--list-full")
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        byte[] output;
        try (InputStream in = process.getInputStream()) {
            output = in.readNBytes(1 << 20);
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(file + " --list-full did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(file + " --list-full was interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(file + " --list-full exited with status " + process.exitValue());
        }
        List<String> applets = new ArrayList<>();
        for (String line : new String(output, StandardCharsets.UTF_8).split("\n")) {
            String path = line.strip();
            if (APPLET_PATH.matcher(path).matches()) {
                applets.add(path);
            }
        }
        if (applets.isEmpty()) {
            throw new IOException(file + " --list-full listed no applets");
        }
        return List.copyOf(applets);
    }

    /** Where it was found. */
    Path file() {
        return file;
    }

    /** The executable's bytes; not a copy. */
    byte[] bytes() {
        return bytes;
    }

    /** Applet paths relative to the root, such as {@code bin/sh} and {@code sbin/insmod}. */
    List<String> appletPaths() {
        return appletPaths;
    }
}
