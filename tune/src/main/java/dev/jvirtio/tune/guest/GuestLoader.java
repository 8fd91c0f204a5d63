package dev.jvirtio.tune.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.jna.Libvirt;

/**
 * Finds guest configurations and reads them into {@link Guest}s: libvirt domain XML files, a live
 * libvirt connection, QEMU command lines in files, and the command lines of running QEMU processes.
 */
public final class GuestLoader {

    /**
     * Keeps libvirt from printing its errors on standard error: they reach callers as
     * {@link LibvirtException}s. Held in a field so the native callback stays reachable.
     */
    private static final Libvirt.VirErrorCallback QUIET_ERRORS = (userData, error) -> {
    };

    /** Larger configuration files are refused rather than read into memory. */
    static final long MAX_FILE_BYTES = 16L << 20;

    private GuestLoader() {
    }

    /**
     * Reads one domain XML file, or every {@code *.xml} file of a directory (not recursing), in
     * file-name order.
     *
     * @throws GuestConfigException when the path does not exist or cannot be read, or a file is not
     *                              a well-formed domain XML; the message names the file and line
     */
    public static List<Guest> fromDomainXml(Path fileOrDir) throws GuestConfigException {
        if (Files.isDirectory(fileOrDir)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(fileOrDir)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".xml") && Files.isRegularFile(p))
                        .sorted().toList();
            } catch (IOException e) {
                throw new GuestConfigException("Cannot list domain XML directory " + fileOrDir + ": " + e.getMessage(), e);
            }
            List<Guest> guests = new ArrayList<>();
            for (Path f : files) {
                guests.add(DomainXmlParser.parse(readBounded(f, "domain XML"), f.toString()));
            }
            return guests;
        }
        return List.of(DomainXmlParser.parse(readBounded(fileOrDir, "domain XML"), fileOrDir.toString()));
    }

    /**
     * Reads one QEMU command line given as words (the binary first).
     *
     * @param source where it came from, kept as {@link Guest#source()}
     */
    public static Guest fromQemuCmdline(List<String> argv, String source) {
        return QemuCommandLineParser.parse(withoutEnvironment(argv), source);
    }

    /**
     * Reads a file holding one QEMU command line as a shell would read it: quotes, backslash escapes
     * and line continuations are honoured, and leading {@code NAME=value} environment assignments
     * (as in libvirt's logs) are skipped.
     *
     * @throws GuestConfigException when the file cannot be read, a quote is not closed, or it holds
     *                              no command
     */
    public static Guest fromQemuCmdlineFile(Path file) throws GuestConfigException {
        String text = new String(readBounded(file, "QEMU command line"), StandardCharsets.UTF_8);
        List<String> words;
        try {
            words = ShellWords.split(text);
        } catch (IllegalArgumentException e) {
            throw new GuestConfigException("QEMU command line file " + file + " cannot be split into words: "
                    + e.getMessage() + ".", e);
        }
        List<String> argv = withoutEnvironment(words);
        if (argv.isEmpty()) {
            throw new GuestConfigException("QEMU command line file " + file + " holds no command.");
        }
        return QemuCommandLineParser.parse(argv, file.toString());
    }

    /**
     * Reads the command lines of running QEMU processes.
     *
     * @param pidToArgv each process's words (from {@code /proc/PID/cmdline})
     * @return one guest per process, in process-id order, each with source {@code "pid N"}
     */
    public static List<Guest> fromProcessCmdlines(Map<Integer, List<String>> pidToArgv) {
        List<Guest> guests = new ArrayList<>();
        new TreeMap<>(pidToArgv).forEach((pid, argv) -> guests.add(fromQemuCmdline(argv, "pid " + pid)));
        return guests;
    }

    /**
     * Reads every domain, running and defined, of a libvirt connection opened read-only.
     *
     * @param uri a libvirt URI such as {@code qemu:///system} or {@code test:///default}
     * @throws GuestConfigException when the libvirt library ({@code libvirt0}) is missing, the URI
     *                              cannot be opened, or a domain's XML cannot be read
     */
    public static List<Guest> fromLibvirt(String uri) throws GuestConfigException {
        Connect connect;
        try {
            Connect.setErrorCallback(QUIET_ERRORS);
            connect = new Connect(uri, true);
        } catch (LibvirtException e) {
            throw new GuestConfigException("Cannot connect to libvirt at " + uri + ": " + sentence(e.getMessage()), e);
        } catch (LinkageError e) {
            throw new GuestConfigException("Cannot connect to libvirt at " + uri
                    + ": the libvirt client library is not installed (Debian package libvirt0).", e);
        }
        String source = "libvirt:" + uri;
        List<Guest> guests = new ArrayList<>();
        try {
            for (int id : connect.listDomains()) {
                Domain d = connect.domainLookupByID(id);
                try {
                    guests.add(DomainXmlParser.parse(d.getXMLDesc(0), source));
                } finally {
                    d.free();
                }
            }
            for (String name : connect.listDefinedDomains()) {
                Domain d = connect.domainLookupByName(name);
                try {
                    guests.add(DomainXmlParser.parse(d.getXMLDesc(0), source));
                } finally {
                    d.free();
                }
            }
        } catch (LibvirtException e) {
            throw new GuestConfigException("Cannot list the domains of libvirt at " + uri + ": "
                    + sentence(e.getMessage()), e);
        } finally {
            try {
                connect.close();
            } catch (LibvirtException e) {
                // The domains were read; a failure to close the read-only connection loses nothing.
            }
        }
        return guests;
    }

    private static String sentence(String message) {
        String m = message == null ? "unknown error" : message.strip();
        return m.endsWith(".") ? m : m + ".";
    }

    private static List<String> withoutEnvironment(List<String> words) {
        int i = 0;
        if (i < words.size() && (words.get(i).equals("env") || words.get(i).equals("exec"))) {
            i++;
        }
        while (i < words.size() && words.get(i).matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
            i++;
        }
        return words.subList(i, words.size());
    }

    private static byte[] readBounded(Path file, String what) throws GuestConfigException {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new GuestConfigException(what + " file " + file + " is " + size + " bytes, more than the "
                        + MAX_FILE_BYTES + " a configuration can be.");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new GuestConfigException(what + " file " + file + " does not exist.", e);
        } catch (IOException e) {
            throw new GuestConfigException("Cannot read " + what + " file " + file + ": " + e + ".", e);
        }
    }
}
