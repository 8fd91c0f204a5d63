package dev.jvirtio.tune.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the transactions of a root are kept: {@value #DIR} under the root, one directory per
 * transaction named by the time it began ({@code 20250105T101112.345Z}, a suffix {@code -2} when
 * two begin in the same millisecond), so that names sort by time. Directories are mode 0700: a
 * journal may hold a libvirt domain's secrets.
 */
public final class TransactionStore {

    /** The store's directory, relative to the root. */
    public static final String DIR = "var/lib/jvirtio/transactions";

    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String ID = "\\d{8}T\\d{6}\\.\\d{3}Z(-\\d{1,4})?";

    private final Path root;
    private final Path directory;

    private TransactionStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.directory = this.root.resolve(DIR);
    }

    /** The store of the machine at {@code root}. */
    public static TransactionStore at(Path root) {
        return new TransactionStore(root);
    }

    /** The root, absolute. */
    public Path root() {
        return root;
    }

    /** The directory holding the transactions. */
    public Path directory() {
        return directory;
    }

    /** The names of every transaction, oldest first. */
    public List<String> ids() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> name.matches(ID)).sorted().toList();
        }
    }

    /** The newest transaction, if any. */
    public Optional<String> last() throws IOException {
        List<String> ids = ids();
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids.getLast());
    }

    /**
     * Every transaction, oldest first. A transaction whose journal cannot be trusted is listed with
     * the state {@code damaged: REASON}.
     */
    public List<TransactionSummary> list() throws IOException {
        List<TransactionSummary> summaries = new ArrayList<>();
        for (String id : ids()) {
            try {
                summaries.add(TransactionLog.read(directory.resolve(id), id, root).summary());
            } catch (JournalException e) {
                summaries.add(new TransactionSummary(id, null, 0, "damaged: " + e.getMessage(), List.of()));
            }
        }
        return summaries;
    }

    /**
     * The journal of transaction {@code id}, checked.
     *
     * @throws ApplyException   when there is no such transaction
     * @throws JournalException when its journal cannot be trusted
     */
    TransactionLog read(String id) throws ApplyException, JournalException {
        if (!id.matches(ID) || !Files.isDirectory(directory.resolve(id))) {
            throw new ApplyException("There is no transaction " + id + " under " + directory
                    + "; 'jvirtio history' lists them.");
        }
        return TransactionLog.read(directory.resolve(id), id, root);
    }

    /** The directory of transaction {@code id}. */
    Path directoryOf(String id) {
        return directory.resolve(id);
    }

    /** Makes the directory of a new transaction begun at {@code now}; returns its name. */
    String create(Instant now) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path dir = directory; dir != null && !Files.isDirectory(dir); dir = dir.getParent()) {
            missing.addFirst(dir);
        }
        AtomicFile.createDirectories(missing);
        String base = NAME.format(now);
        for (int n = 1; n < 10_000; n++) {
            String id = n == 1 ? base : base + "-" + n;
            Path dir = directory.resolve(id);
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rwx------")));
                AtomicFile.syncDirectory(directory);
                return id;
            } catch (FileAlreadyExistsException e) {
                // Another transaction began in the same millisecond: take the next suffix.
            }
        }
        throw new IOException("mkdir under " + directory + " failed: every name for " + base + " is taken");
    }

    /**
     * Takes the store's lock, so that one apply or rollback at a time changes this root.
     *
     * @throws ApplyException when another run holds it
     */
    Lock lock() throws ApplyException {
        Path file = directory.getParent().resolve("lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new ApplyException("Another jvirtio apply or rollback is changing " + root + " (it holds " + file
                        + "); wait for it to finish.");
            }
            return new Lock(channel);
        } catch (IOException e) {
            throw new ApplyException("Cannot lock " + file + ": " + AtomicFile.reason(e) + ".", e);
        }
    }

    /** The held lock; closing releases it. */
    static final class Lock implements AutoCloseable {
        private final FileChannel channel;

        private Lock(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // Closing the channel releases the lock whatever it reports.
            }
        }
    }
}
