package dev.jvirtio.tune.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The subset of the POSIX tar format (pax interchange format, POSIX.1-2001 "ustar" headers) that
 * captures use: regular files and directories, with pax {@code path} records for names that do not
 * fit the ustar fields. Each header is one 512-byte block; content is padded to whole blocks; the
 * archive ends with two zero blocks.
 */
final class TarFormat {

    static final int BLOCK = 512;
    /** ustar header field offsets and lengths. */
    static final int NAME = 0;
    static final int NAME_LEN = 100;
    static final int MODE = 100;
    static final int SIZE = 124;
    static final int SIZE_LEN = 12;
    static final int MTIME = 136;
    static final int CHECKSUM = 148;
    static final int CHECKSUM_LEN = 8;
    static final int TYPE = 156;
    static final int MAGIC = 257;
    static final int VERSION = 263;
    static final int PREFIX = 345;
    static final int PREFIX_LEN = 155;

    static final byte TYPE_FILE = '0';
    static final byte TYPE_FILE_OLD = 0;
    static final byte TYPE_DIRECTORY = '5';
    static final byte TYPE_PAX = 'x';
    static final byte TYPE_PAX_GLOBAL = 'g';
    static final byte TYPE_GNU_LONGNAME = 'L';

    private TarFormat() {
    }

    /** Writes one entry: a pax header first when the name does not fit ustar's fields. */
    static void writeEntry(OutputStream out, String name, byte type, byte[] content, long mtime) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int split = splitPoint(nameBytes);
        if (split < 0) {
            byte[] record = paxRecord("path", name);
            writeHeader(out, "PaxHeaders/entry", null, TYPE_PAX, record.length, mtime);
            writePadded(out, record);
            writeHeader(out, shortName(name), null, type, content.length, mtime);
        } else if (split == 0) {
            writeHeader(out, name, null, type, content.length, mtime);
        } else {
            writeHeader(out, name.substring(split + 1), name.substring(0, split), type, content.length, mtime);
        }
        writePadded(out, content);
    }

    static void writeEnd(OutputStream out) throws IOException {
        out.write(new byte[BLOCK * 2]);
    }

    /**
     * Where to split a name into ustar prefix and name: 0 when it fits the name field, the index of
     * the separating slash when it fits prefix + name, -1 when it needs a pax record.
     */
    private static int splitPoint(byte[] name) {
        if (name.length <= NAME_LEN) {
            return 0;
        }
        for (int i = Math.min(name.length - 1, PREFIX_LEN); i > 0; i--) {
            if (name[i] == '/' && name.length - i - 1 <= NAME_LEN && name.length - i - 1 > 0) {
                return i;
            }
        }
        return -1;
    }

    private static String shortName(String name) {
        String tail = name.substring(name.lastIndexOf('/', name.length() - 2) + 1);
        byte[] bytes = tail.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= NAME_LEN ? tail : "long-name";
    }

    private static byte[] paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        int digits = Integer.toString(length).length();
        while (Integer.toString(length + digits).length() != digits) {
            digits++;
        }
        return ((length + digits) + body).getBytes(StandardCharsets.UTF_8);
    }

    private static void writeHeader(OutputStream out, String name, String prefix, byte type, long size, long mtime)
            throws IOException {
        byte[] header = new byte[BLOCK];
        put(header, NAME, NAME_LEN, name.getBytes(StandardCharsets.UTF_8));
        put(header, MODE, 8, octal(type == TYPE_DIRECTORY ? 0755 : 0644, 8));
        put(header, 108, 8, octal(0, 8));
        put(header, 116, 8, octal(0, 8));
        put(header, SIZE, SIZE_LEN, octal(size, SIZE_LEN));
        put(header, MTIME, 12, octal(mtime, 12));
        header[TYPE] = type;
        put(header, MAGIC, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(header, VERSION, 2, "00".getBytes(StandardCharsets.US_ASCII));
        if (prefix != null) {
            put(header, PREFIX, PREFIX_LEN, prefix.getBytes(StandardCharsets.UTF_8));
        }
        Arrays.fill(header, CHECKSUM, CHECKSUM + CHECKSUM_LEN, (byte) ' ');
        put(header, CHECKSUM, 7, octal(checksum(header), 7));
        out.write(header);
    }

    private static void writePadded(OutputStream out, byte[] content) throws IOException {
        out.write(content);
        int rest = content.length % BLOCK;
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    static long checksum(byte[] header) {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= CHECKSUM && i < CHECKSUM + CHECKSUM_LEN) ? ' ' : header[i] & 0xff;
        }
        return sum;
    }

    /** {@code value} in octal, zero-padded to {@code length - 1} digits and NUL-terminated. */
    private static byte[] octal(long value, int length) {
        String digits = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, length - 1 - digits.length())) + digits;
        return (padded + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    private static void put(byte[] header, int offset, int length, byte[] value) {
        System.arraycopy(value, 0, header, offset, Math.min(length, value.length));
    }

    /** Parses an octal numeric field (spaces and NULs end it); -1 when it holds something else. */
    static long parseOctal(byte[] header, int offset, int length) {
        long value = 0;
        boolean digits = false;
        for (int i = offset; i < offset + length; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                if (digits) {
                    break;
                }
                continue;
            }
            if (b < '0' || b > '7' || value > (Long.MAX_VALUE >> 3)) {
                return -1;
            }
            value = value * 8 + (b - '0');
            digits = true;
        }
        return digits ? value : -1;
    }

    /** A NUL-terminated text field. */
    static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** Reads exactly one block; false at a clean end of stream. */
    static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int read = in.readNBytes(block, 0, BLOCK);
        if (read == 0) {
            return false;
        }
        if (read < BLOCK) {
            throw new IOException("the archive ends inside a header");
        }
        return true;
    }

    /** The {@code path} value of a pax extended header ({@code "LEN path=VALUE\n"} records), or null. */
    static String paxPath(byte[] records) {
        int at = 0;
        while (at < records.length) {
            int space = at;
            while (space < records.length && records[space] != ' ') {
                space++;
            }
            if (space >= records.length || space == at || space - at > 9) {
                return null;
            }
            int length;
            try {
                length = Integer.parseInt(new String(records, at, space - at, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return null;
            }
            int end = at + length;
            if (length <= space - at + 1 || end > records.length || records[end - 1] != '\n') {
                return null;
            }
            String record = new String(records, space + 1, end - 1 - (space + 1), StandardCharsets.UTF_8);
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            at = end;
        }
        return null;
    }
}
