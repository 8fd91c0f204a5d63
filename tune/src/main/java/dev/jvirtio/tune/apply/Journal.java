package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * A transaction's journal: one record a line, {@code CRC32 JSON}, appended and flushed to disk
 * before the step it announces is taken. A line whose checksum does not match, or that is not a
 * JSON object, makes the whole journal untrusted; only a last line cut short by a crash (no
 * newline) is ignored, since the step it announced was never started.
 *
 * <p>Not thread-safe; one apply or rollback writes it at a time (see {@link TransactionStore#lock}).
 */
final class Journal implements AutoCloseable {

    /** The journal's file name in a transaction directory. */
    static final String FILE = "journal";
    /** Journals larger than this are refused. */
    static final long MAX_BYTES = 256L << 20;

    static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;

    private Journal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Creates the journal of a new transaction directory (mode 0600: it may hold secrets). */
    static Journal create(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        try {
            FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rw-------")));
            AtomicFile.syncDirectory(dir);
            return new Journal(file, channel);
        } catch (IOException e) {
            throw new IOException("create " + file + " failed: " + AtomicFile.reason(e), e);
        }
    }

    /**
     * Opens an existing journal to append to it, first cutting off a last line that a crash left
     * without its newline.
     */
    static Journal reopen(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        try {
            byte[] bytes = Files.readAllBytes(file);
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n') {
                end--;
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
            if (end < bytes.length) {
                channel.truncate(end);
                channel.force(true);
            }
            channel.position(end);
            return new Journal(file, channel);
        } catch (IOException e) {
            throw new IOException("open " + file + " failed: " + AtomicFile.reason(e), e);
        }
    }

    /** Appends one record and flushes it to disk before returning. */
    void append(ObjectNode record) throws IOException {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a journal record could not be written as JSON", e);
        }
        CRC32 crc = new CRC32();
        crc.update(json);
        byte[] line = (HexFormat.of().toHexDigits((int) crc.getValue()) + " " + new String(json,
                StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new IOException("append to " + file + " failed: " + AtomicFile.reason(e), e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Reads every record of the journal in {@code dir}.
     *
     * @param transaction names the transaction in messages
     * @throws JournalException when the journal is missing, too large, or a line is damaged
     */
    static List<ObjectNode> read(Path dir, String transaction) throws JournalException {
        Path file = dir.resolve(FILE);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_BYTES + 1));
        } catch (NoSuchFileException e) {
            throw new JournalException("Transaction " + transaction + " has no journal (" + file + " is missing).");
        } catch (IOException e) {
            throw new JournalException("The journal of transaction " + transaction + " cannot be read: "
                    + AtomicFile.reason(e) + ".");
        }
        if (bytes.length > MAX_BYTES) {
            throw new JournalException("The journal of transaction " + transaction + " is larger than " + MAX_BYTES
                    + " bytes; it is not one jvirtio wrote.");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<ObjectNode> records = new ArrayList<>();
        int start = 0;
        int number = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            number++;
            if (end < 0) {
                break; // cut short by a crash before its step began
            }
            String line = text.substring(start, end);
            start = end + 1;
            records.add(parse(line, transaction, number));
        }
        if (records.isEmpty()) {
            throw new JournalException("The journal of transaction " + transaction + " is empty.");
        }
        return records;
    }

    private static ObjectNode parse(String line, String transaction, int number) throws JournalException {
        String where = "The journal of transaction " + transaction + " is damaged at line " + number + ": ";
        if (line.length() < 10 || line.charAt(8) != ' ' || !line.substring(0, 8).matches("[0-9a-f]{8}")) {
            throw new JournalException(where + "it does not start with a checksum.");
        }
        byte[] json = line.substring(9).getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(json);
        if (!HexFormat.of().toHexDigits((int) crc.getValue()).equals(line.substring(0, 8))) {
            throw new JournalException(where + "its checksum does not match its content.");
        }
        try {
            JsonNode node = JSON.readTree(json);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new JournalException(where + "it is not a JSON object.");
    }
}
