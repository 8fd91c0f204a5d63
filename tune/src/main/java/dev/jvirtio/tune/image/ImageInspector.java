package dev.jvirtio.tune.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a disk image read-only and reports its format, sizes and the partition table inside it.
 * qcow2 images are read through their cluster tables; backing files are named, never opened.
 * Images are untrusted: every size and offset read from them is bounded before it is used, and a
 * corrupt or hostile image ends in an {@link ImageException}, never in a large allocation.
 */
public final class ImageInspector {

    private ImageInspector() {
    }

    /**
     * Inspects one image.
     *
     * @throws ImageException when the image does not exist, cannot be read, or is corrupt; the
     *                        message names the image
     */
    public static ImageInfo inspect(Path path) throws ImageException {
        if (Files.isDirectory(path)) {
            throw new ImageException("image " + path + " is a directory, not a disk image");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return inspect(path, ch);
        } catch (NoSuchFileException e) {
            throw new ImageException("image " + path + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new ImageException("image " + path + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new ImageException("image " + path + " cannot be read: " + e.getMessage(), e);
        } catch (ImageException e) {
            throw new ImageException("image " + path + ": " + e.getMessage(), e);
        }
    }

    private static ImageInfo inspect(Path path, FileChannel ch) throws IOException, ImageException {
        long fileSize = ch.size();
        ByteBuffer head = ByteBuffer.allocate(512);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
            // keep reading until 512 bytes or the end of the file
        }
        byte[] first = java.util.Arrays.copyOf(head.array(), head.position());
        List<String> notes = new ArrayList<>();
        long actual = -1;
        if (isBlockDevice(path)) {
            // A block device has no blocks of its own in stat(2); all of it is there.
            actual = fileSize;
        } else {
            try {
                actual = FileAllocation.allocatedBytes(path);
            } catch (ImageException e) {
                notes.add("its allocated size is unknown: " + e.getMessage());
            }
        }
        if (fileSize == 0 && first.length > 0) {
            notes.add("the file reports size 0 but has data (a device?); only its first sector was read");
        }
        String other = otherFormat(first);
        if (other != null) {
            notes.add("it is a " + other + " image; only raw and qcow2 images are inspected");
            return new ImageInfo("unknown", fileSize, actual, 0, "", 0, List.of(), "unreadable", notes);
        }
        if (first.length >= 4 && ByteBuffer.wrap(first).getInt(0) == Qcow2Layout.MAGIC) {
            Qcow2Image q = Qcow2Image.open(ch, fileSize);
            List<String> obstacles = q.dataObstacles();
            notes.addAll(obstacles);
            List<Partition> parts = List.of();
            String scheme = "unreadable";
            if (obstacles.isEmpty()) {
                try {
                    PartitionTable t = PartitionTable.read(q);
                    parts = t.partitions();
                    scheme = t.scheme();
                    if (!q.backingFile.isEmpty()) {
                        notes.add("clusters not allocated in this image were read as zeroes; backing file "
                                + q.backingFile + " was not opened");
                    }
                } catch (ImageException e) {
                    if (!e.getMessage().startsWith("cannot inspect compressed clusters")) {
                        throw e;
                    }
                    notes.add("cannot inspect compressed clusters, so the partition table was not read");
                }
            }
            return new ImageInfo("qcow2", q.virtualSize, actual, q.clusterSize, q.backingFile, q.version, parts,
                    scheme, notes);
        }
        PartitionTable t = PartitionTable.read(new RawReader(ch, fileSize));
        return new ImageInfo("raw", fileSize, actual, 0, "", 0, t.partitions(), t.scheme(), notes);
    }

    private static boolean isBlockDevice(Path path) {
        try {
            // S_IFMT and S_IFBLK from stat(2).
            return ((int) Files.getAttribute(path, "unix:mode") & 0170000) == 0060000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The name of a known image format other than raw and qcow2, or null. */
    private static String otherFormat(byte[] b) {
        if (startsWith(b, "KDMV") || startsWith(b, "# Disk DescriptorFile")) {
            return "VMDK";
        }
        if (startsWith(b, "conectix")) {
            return "VHD (vpc)";
        }
        if (startsWith(b, "vhdxfile")) {
            return "VHDX";
        }
        if (startsWith(b, "QED\0")) {
            return "QED";
        }
        if (startsWith(b, "QFI") && b.length >= 4 && (b[3] & 0xff) != 0xfb) {
            return "qcow (version 1)";
        }
        if (startsWith(b, "LUKS\u00ba\u00be")) {
            return "LUKS";
        }
        if (b.length >= 0x44 && ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(0x40) == 0xbeda107f) {
            return "VDI";
        }
        return null;
    }

    private static boolean startsWith(byte[] b, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length < m.length) {
            return false;
        }
        for (int i = 0; i < m.length; i++) {
            if (b[i] != m[i]) {
                return false;
            }
        }
        return true;
    }

    /** A raw image: guest offsets are file offsets. */
    private static final class RawReader implements ByteReader {
        private final FileChannel ch;
        private final long size;

        RawReader(FileChannel ch, long size) {
            this.ch = ch;
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public byte[] read(long offset, int length) throws ImageException {
            if (offset < 0 || length < 0 || offset > size - length) {
                throw new ImageException("read of " + length + " bytes at offset " + offset
                        + " lies beyond the end of the " + size + "-byte image");
            }
            ByteBuffer b = ByteBuffer.allocate(length);
            try {
                while (b.hasRemaining()) {
                    if (ch.read(b, offset + b.position()) < 0) {
                        throw new ImageException("the image ended before offset " + (offset + length));
                    }
                }
            } catch (IOException e) {
                throw new ImageException("reading the image failed: " + e.getMessage(), e);
            }
            return b.array();
        }
    }
}
