package dev.jvirtio.tune.host;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Writes everything an audit read through a {@link FactRoot} into one archive, and unpacks such an
 * archive into a directory that can be audited as a root on another machine.
 *
 * <p>The archive holds the files read (paths relative to the root), the directories listed, the
 * symbolic links read (in {@value FactRoot#LINKS_MANIFEST}), command output kept as files (such
 * as {@code ethtool/eth0.txt}) and a description in {@value #DESCRIPTION}. Its format follows the
 * file name: {@code .tar.gz}/{@code .tgz} (pax tar, gzip) or {@code .zip}.
 *
 * <p>Unpacking treats the archive as untrusted: absolute names, {@code ..} segments, entries over
 * {@value #MAX_ENTRY_BYTES} bytes, more than {@value #MAX_TOTAL_BYTES} bytes or
 * {@value #MAX_ENTRIES} entries in all are refused with a {@link CaptureException}.
 */
public final class FactCapture {

    /** The description file inside a capture. */
    public static final String DESCRIPTION = ".jvirtio/capture.txt";
    static final long MAX_ENTRY_BYTES = 64L << 20;
    static final long MAX_TOTAL_BYTES = 512L << 20;
    static final int MAX_ENTRIES = 200_000;

    private FactCapture() {
    }

    /**
     * Writes what {@code root} has recorded so far to {@code file}.
     *
     * @throws CaptureException when the name has no known archive suffix or the file cannot be
     *                          written
     */
    public static void write(FactRoot root, Path file) throws CaptureException {
        boolean zip = kind(file);
        long now = Instant.now().getEpochSecond();
        Map<String, byte[]> files = root.recordedFiles();
        StringBuilder links = new StringBuilder();
        root.recordedLinks().forEach((path, target) -> links.append(path).append('\t').append(target).append('\n'));
        if (!links.isEmpty()) {
            files.put(FactRoot.LINKS_MANIFEST, links.toString().getBytes(StandardCharsets.UTF_8));
        }
        files.put(DESCRIPTION, ("jvirtio fact capture\nroot: " + root.path() + "\ncaptured: " + Instant.now() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        TreeSet<String> directories = new TreeSet<>();
        for (String dir : root.recordedDirectories()) {
            addWithParents(directories, dir);
        }
        for (String path : files.keySet()) {
            int slash = path.lastIndexOf('/');
            if (slash > 0) {
                addWithParents(directories, path.substring(0, slash));
            }
        }
        directories.removeIf(dir -> files.containsKey(dir));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            if (zip) {
                try (ZipOutputStream zipOut = new ZipOutputStream(out)) {
                    for (String dir : directories) {
                        zipOut.putNextEntry(new ZipEntry(dir + "/"));
                        zipOut.closeEntry();
                    }
                    for (Map.Entry<String, byte[]> entry : files.entrySet()) {
                        zipOut.putNextEntry(new ZipEntry(entry.getKey()));
                        zipOut.write(entry.getValue());
                        zipOut.closeEntry();
                    }
                }
            } else {
                try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                    for (String dir : directories) {
                        TarFormat.writeEntry(gzip, dir + "/", TarFormat.TYPE_DIRECTORY, new byte[0], now);
                    }
                    for (Map.Entry<String, byte[]> entry : files.entrySet()) {
                        TarFormat.writeEntry(gzip, entry.getKey(), TarFormat.TYPE_FILE, entry.getValue(), now);
                    }
                    TarFormat.writeEnd(gzip);
                }
            }
        } catch (IOException e) {
            throw new CaptureException("Cannot write the capture " + file + ": " + e.getMessage() + ".", e);
        }
    }

    /**
     * Unpacks a capture into a new temporary directory; the format is recognised from the content.
     *
     * @throws CaptureException when the file cannot be read, is not a tar.gz or zip archive, or
     *                          holds an entry that is refused (see the class description)
     */
    public static ExtractedCapture extract(Path archive) throws CaptureException {
        Path dir;
        try {
            dir = Files.createTempDirectory("jvirtio-capture-");
        } catch (IOException e) {
            throw new CaptureException("Cannot create a directory to unpack " + archive + ": " + e.getMessage() + ".",
                    e);
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive))) {
            raw.mark(4);
            byte[] magic = raw.readNBytes(4);
            raw.reset();
            Extraction extraction = new Extraction(archive, dir);
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                extractTar(new GZIPInputStream(raw), extraction);
            } else if (magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
                extractZip(new ZipInputStream(raw), extraction);
            } else {
                throw new CaptureException(archive + " is not a capture: expected a .tar.gz or .zip archive.");
            }
            return new ExtractedCapture(archive, dir);
        } catch (CaptureException e) {
            ExtractedCapture.delete(dir);
            throw e;
        } catch (ZipException e) {
            ExtractedCapture.delete(dir);
            throw new CaptureException(archive + " is a damaged archive: " + e.getMessage() + ".", e);
        } catch (IOException e) {
            ExtractedCapture.delete(dir);
            throw new CaptureException("Cannot read the capture " + archive + ": " + e.getMessage() + ".", e);
        }
    }

    private static void extractTar(InputStream in, Extraction extraction) throws IOException, CaptureException {
        byte[] header = new byte[TarFormat.BLOCK];
        String longName = null;
        while (TarFormat.readBlock(in, header)) {
            if (isZero(header)) {
                return;
            }
            if (TarFormat.parseOctal(header, TarFormat.CHECKSUM, TarFormat.CHECKSUM_LEN)
                    != TarFormat.checksum(header)) {
                throw extraction.refuse("a tar header has a bad checksum");
            }
            long size = TarFormat.parseOctal(header, TarFormat.SIZE, TarFormat.SIZE_LEN);
            if (size < 0 || size > MAX_ENTRY_BYTES) {
                throw extraction.refuse("an entry is larger than " + MAX_ENTRY_BYTES + " bytes");
            }
            byte type = header[TarFormat.TYPE];
            byte[] content = extraction.content(in, size);
            long padding = (TarFormat.BLOCK - size % TarFormat.BLOCK) % TarFormat.BLOCK;
            if (padding > 0) {
                in.skipNBytes(padding);
            }
            if (type == TarFormat.TYPE_PAX) {
                longName = TarFormat.paxPath(content);
                continue;
            }
            if (type == TarFormat.TYPE_GNU_LONGNAME) {
                longName = new String(content, StandardCharsets.UTF_8).replace("\0", "");
                continue;
            }
            if (type == TarFormat.TYPE_PAX_GLOBAL) {
                continue;
            }
            String name = longName;
            longName = null;
            if (name == null) {
                String prefix = TarFormat.text(header, TarFormat.PREFIX, TarFormat.PREFIX_LEN);
                String shortName = TarFormat.text(header, TarFormat.NAME, TarFormat.NAME_LEN);
                name = prefix.isEmpty() ? shortName : prefix + "/" + shortName;
            }
            if (type == TarFormat.TYPE_DIRECTORY) {
                extraction.directory(name);
            } else if (type == TarFormat.TYPE_FILE || type == TarFormat.TYPE_FILE_OLD) {
                extraction.file(name, content);
            }
            // Other entry types (links, devices) are never written by captures and are skipped.
        }
    }

    private static void extractZip(ZipInputStream zip, Extraction extraction) throws IOException, CaptureException {
        ZipEntry entry;
        while ((entry = zip.getNextEntry()) != null) {
            if (entry.isDirectory()) {
                extraction.directory(entry.getName());
            } else {
                byte[] content = zip.readNBytes((int) MAX_ENTRY_BYTES + 1);
                if (content.length > MAX_ENTRY_BYTES) {
                    throw extraction.refuse("an entry is larger than " + MAX_ENTRY_BYTES + " bytes");
                }
                extraction.count(content.length);
                extraction.file(entry.getName(), content);
            }
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static void addWithParents(TreeSet<String> directories, String dir) {
        String d = dir;
        while (!d.isEmpty() && directories.add(d)) {
            int slash = d.lastIndexOf('/');
            d = slash < 0 ? "" : d.substring(0, slash);
        }
    }

    /** True for zip, false for tar.gz. */
    private static boolean kind(Path file) throws CaptureException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        if (name.endsWith(".zip")) {
            return true;
        }
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
            return false;
        }
        throw new CaptureException("The capture file name " + file + " must end in .tar.gz, .tgz or .zip.");
    }

    /** One unpacking: the limits and the checks on every name. */
    private static final class Extraction {
        private final Path archive;
        private final Path dir;
        private long total;
        private int entries;

        Extraction(Path archive, Path dir) {
            this.archive = archive;
            this.dir = dir;
        }

        byte[] content(InputStream in, long size) throws IOException, CaptureException {
            count(size);
            byte[] content = in.readNBytes((int) size);
            if (content.length != size) {
                throw refuse("it ends inside an entry");
            }
            return content;
        }

        void count(long size) throws CaptureException {
            total += size;
            if (++entries > MAX_ENTRIES) {
                throw refuse("it holds more than " + MAX_ENTRIES + " entries");
            }
            if (total > MAX_TOTAL_BYTES) {
                throw refuse("it unpacks to more than " + MAX_TOTAL_BYTES + " bytes");
            }
        }

        void directory(String name) throws IOException, CaptureException {
            Path target = target(name);
            if (Files.isRegularFile(target)) {
                throw refuse("'" + name + "' is both a file and a directory");
            }
            Files.createDirectories(target);
        }

        void file(String name, byte[] content) throws IOException, CaptureException {
            Path target = target(name);
            if (target.equals(dir) || Files.isDirectory(target)) {
                throw refuse("'" + name + "' is both a file and a directory");
            }
            Files.createDirectories(target.getParent());
            Files.write(target, content);
        }

        private Path target(String name) throws CaptureException {
            String clean = name.startsWith("./") ? name.substring(2) : name;
            if (clean.startsWith("/") || clean.indexOf('\0') >= 0) {
                throw refuse("the entry name '" + printable(name) + "' is absolute or malformed");
            }
            for (String part : clean.split("/")) {
                if (part.equals("..")) {
                    throw refuse("the entry name '" + printable(name) + "' leaves the capture");
                }
            }
            Path target = dir.resolve(clean).normalize();
            if (!target.startsWith(dir)) {
                throw refuse("the entry name '" + printable(name) + "' leaves the capture");
            }
            return target;
        }

        CaptureException refuse(String why) {
            return new CaptureException("The capture " + archive + " was refused: " + why + ".");
        }

        private static String printable(String name) {
            return name.replaceAll("[\\p{Cntrl}]", "?");
        }
    }
}
