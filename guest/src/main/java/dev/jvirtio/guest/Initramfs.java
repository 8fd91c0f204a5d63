package dev.jvirtio.guest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * Builds a test guest's initial RAM disk: a {@code newc} cpio archive the kernel unpacks as its
 * root file system. It holds
 *
 * <ul>
 *   <li>{@code /bin/busybox} (static) and a symbolic link for each of its applets;
 *   <li>the kernel's modules under {@code /lib/modules/NAME.ko};
 *   <li>{@code /jvirtio/test.sh}, the test script;
 *   <li>{@code /init}, which mounts {@code /dev} (devtmpfs), {@code /proc}, {@code /sys} and
 *       {@code /run}, loads the modules in order (printing {@code @@JVIRTIO module-failed NAME}
 *       for any that fails), runs the test script in a subshell where the shell function
 *       {@code mark KEY VALUE...} prints {@code @@JVIRTIO KEY VALUE...} on the console, prints
 *       {@code @@JVIRTIO done STATUS} with the script's exit status, and powers off;
 *   <li>any extra {@link GuestFile}s.
 * </ul>
 *
 * <p>Images are cached by content: the file name carries a SHA-256 of every entry, and an image
 * already in the output folder is returned without being written again.
 */
public final class Initramfs {
    /** Where the test script lands in the guest. */
    public static final String SCRIPT_PATH = "/jvirtio/test.sh";

    private static final String FORMAT_TAG = "jvirtio-initramfs-1";
    private static final int FILE = CpioConstants.C_ISREG;
    private static final int DIRECTORY = CpioConstants.C_ISDIR;
    private static final int SYMLINK = CpioConstants.C_ISLNK;
    private static final int CHARACTER_DEVICE = CpioConstants.C_ISCHR;
    private static final List<String> BASE_DIRECTORIES = List.of(
            "bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "run", "tmp",
            "etc", "root", "mnt", "lib", "lib/modules", "jvirtio");

    private Initramfs() {
    }

    /**
     * Builds (or finds) the image for {@code testScript}, without extra files.
     *
     * @see #build(GuestKernel, String, List, Path)
     */
    public static Path build(GuestKernel kernel, String testScript, Path outputDirectory) throws IOException {
        return build(kernel, testScript, List.of(), outputDirectory);
    }

    /**
     * Builds the image for {@code testScript} and {@code extraFiles} into
     * {@code outputDirectory/initramfs-HASH.cpio}, creating the folder if needed; when that file
     * already exists it is returned as it is. Concurrent builds of the same image are safe: each
     * writes a temporary file and moves it into place.
     *
     * @param testScript POSIX shell (busybox ash) text run by {@code /init}; it may call
     *     {@code mark KEY VALUE...}
     * @param extraFiles files to add; none may take a path the image uses itself
     * @return the image file
     * @throws IllegalArgumentException when an extra file collides with the image's own paths, or
     *     two extra files share a path
     * @throws IOException when busybox-static or a module cannot be read, or the image cannot be
     *     written
     */
    public static Path build(GuestKernel kernel, String testScript, List<GuestFile> extraFiles,
            Path outputDirectory) throws IOException {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(testScript, "testScript");
        List<Entry> entries = entries(kernel, Busybox.find(), testScript, List.copyOf(extraFiles));
        Files.createDirectories(outputDirectory);
        Path image = outputDirectory.resolve("initramfs-" + contentHash(entries) + ".cpio");
        if (Files.isRegularFile(image)) {
            return image;
        }
        Path temporary = Files.createTempFile(outputDirectory, ".initramfs-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                write(entries, out);
            }
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
            try {
                Files.move(temporary, image, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, image, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
        return image;
    }

    /** The {@code /init} script for {@code kernel}: the text described in the class comment. */
    public static String initScript(GuestKernel kernel) {
        StringBuilder init = new StringBuilder();
        init.append("""
                #!/bin/busybox sh
                # Test guest init: mount the kernel file systems, load the modules, run the test
                # script, report its exit status on the console and power off.
                export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
                mount -t devtmpfs devtmpfs /dev
                exec </dev/console >/dev/console 2>&1
                mount -t proc proc /proc
                mount -t sysfs sysfs /sys
                mount -t tmpfs tmpfs /run

                # mark KEY VALUE...: one marker line, starting a fresh console line, with any line
                # breaks in the value turned into spaces.
                mark() {
                    local key="$1"
                    shift
                    printf '\\n%s %s %s\\n' '@@JVIRTIO' "$key" "$(printf '%s' "$*" | tr '\\r\\n' '  ')" >/dev/console
                }

                """);
        init.append("for module in ").append(String.join(" ", kernel.moduleNames())).append("; do\n");
        init.append("""
                    insmod "/lib/modules/$module.ko" || mark module-failed "$module"
                done

                ( . %s )
                mark done $?
                sync
                poweroff -f
                """.formatted(SCRIPT_PATH));
        return init.toString();
    }

    private record Entry(String name, int mode, byte[] content, int deviceMajor, int deviceMinor) {
        static Entry directory(String name) {
            return new Entry(name, DIRECTORY | 0755, new byte[0], 0, 0);
        }

        static Entry file(String name, int permissions, byte[] content) {
            return new Entry(name, FILE | permissions, content, 0, 0);
        }

        static Entry symlink(String name, String target) {
            return new Entry(name, SYMLINK | 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0);
        }

        static Entry characterDevice(String name, int permissions, int major, int minor) {
            return new Entry(name, CHARACTER_DEVICE | permissions, new byte[0], major, minor);
        }

        boolean isDirectory() {
            return (mode & CpioConstants.S_IFMT) == DIRECTORY;
        }
    }

    private static List<Entry> entries(GuestKernel kernel, Busybox busybox, String testScript,
            List<GuestFile> extraFiles) throws IOException {
        TreeSet<String> directories = new TreeSet<>(BASE_DIRECTORIES);
        Map<String, Entry> others = new LinkedHashMap<>();
        others.put("dev/console", Entry.characterDevice("dev/console", 0600, 5, 1));
        others.put("bin/busybox", Entry.file("bin/busybox", 0755, busybox.bytes()));
        for (String applet : busybox.appletPaths()) {
            if (!others.containsKey(applet)) {
                addParents(directories, applet);
                others.put(applet, Entry.symlink(applet, "/bin/busybox"));
            }
        }
        for (String module : kernel.moduleNames()) {
            String name = "lib/modules/" + module + ".ko";
            others.put(name, Entry.file(name, 0644, Files.readAllBytes(kernel.module(module))));
        }
        others.put("init", Entry.file("init", 0755, initScript(kernel).getBytes(StandardCharsets.UTF_8)));
        String script = SCRIPT_PATH.substring(1);
        others.put(script, Entry.file(script, 0644, testScript.getBytes(StandardCharsets.UTF_8)));

        List<String> extraNames = new ArrayList<>();
        for (GuestFile extra : extraFiles) {
            String name = extra.path().substring(1);
            if (others.containsKey(name) || directories.contains(name) || extraNames.contains(name)) {
                throw new IllegalArgumentException("guest file " + extra.path()
                        + " collides with a path the initramfs already holds");
            }
            extraNames.add(name);
        }
        for (GuestFile extra : extraFiles) {
            String name = extra.path().substring(1);
            for (String other : others.keySet()) {
                if (name.startsWith(other + "/")) {
                    throw new IllegalArgumentException("guest file " + extra.path()
                            + " would sit under the file /" + other);
                }
            }
            addParents(directories, name);
            others.put(name, Entry.file(name, extra.mode(), extra.contentView()));
        }
        for (String directory : directories) {
            if (others.containsKey(directory)) {
                throw new IllegalArgumentException("/" + directory + " is needed as a folder but is a file");
            }
        }

        List<Entry> entries = new ArrayList<>();
        directories.forEach(directory -> entries.add(Entry.directory(directory)));
        entries.addAll(others.values());
        return entries;
    }

    private static void addParents(TreeSet<String> directories, String name) {
        int slash = name.lastIndexOf('/');
        while (slash > 0) {
            directories.add(name.substring(0, slash));
            slash = name.lastIndexOf('/', slash - 1);
        }
    }

    private static String contentHash(List<Entry> entries) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        sha256.update(FORMAT_TAG.getBytes(StandardCharsets.UTF_8));
        for (Entry entry : entries) {
            byte[] name = entry.name().getBytes(StandardCharsets.UTF_8);
            sha256.update(longBytes(name.length));
            sha256.update(name);
            sha256.update(longBytes(entry.mode()));
            sha256.update(longBytes(((long) entry.deviceMajor() << 32) | entry.deviceMinor()));
            sha256.update(longBytes(entry.content().length));
            sha256.update(entry.content());
        }
        return HexFormat.of().formatHex(sha256.digest(), 0, 12);
    }

    private static byte[] longBytes(long value) {
        byte[] bytes = new byte[8];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (value >>> (56 - 8 * i));
        }
        return bytes;
    }

    private static void write(List<Entry> entries, OutputStream out) throws IOException {
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(out, CpioConstants.FORMAT_NEW)) {
            long inode = 1;
            for (Entry entry : entries) {
                CpioArchiveEntry archived = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, entry.name());
                archived.setMode(entry.mode());
                archived.setInode(inode++);
                archived.setNumberOfLinks(entry.isDirectory() ? 2 : 1);
                archived.setUID(0);
                archived.setGID(0);
                archived.setTime(0);
                archived.setRemoteDeviceMaj(entry.deviceMajor());
                archived.setRemoteDeviceMin(entry.deviceMinor());
                archived.setSize(entry.content().length);
                cpio.putArchiveEntry(archived);
                cpio.write(entry.content());
                cpio.closeArchiveEntry();
            }
            cpio.finish();
        }
    }
}
