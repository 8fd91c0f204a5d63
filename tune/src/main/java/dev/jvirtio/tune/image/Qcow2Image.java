package dev.jvirtio.tune.image;

import static dev.jvirtio.tune.image.Qcow2Layout.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A qcow2 image's header, and the guest's view of its data through the L1 and L2 tables.
 * Unallocated clusters read as zeroes; the backing file is reported, never opened. Every offset
 * and size read from the file is checked against the file before it is used.
 */
final class Qcow2Image implements ByteReader {

    private final FileChannel file;
    private final long fileSize;
    final int version;
    final int clusterBits;
    final long clusterSize;
    final long virtualSize;
    final String backingFile;
    final int cryptMethod;
    final long incompatible;
    private final long l1Size;
    private final long l1Offset;
    private final boolean extendedL2;

    private Qcow2Image(FileChannel file, long fileSize, ByteBuffer h) throws ImageException {
        this.file = file;
        this.fileSize = fileSize;
        version = h.getInt(VERSION_OFFSET);
        if (version != 2 && version != 3) {
            throw new ImageException("qcow2 version " + Integer.toUnsignedString(version) + " is not 2 or 3");
        }
        clusterBits = h.getInt(CLUSTER_BITS_OFFSET);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new ImageException("qcow2 cluster_bits " + Integer.toUnsignedString(clusterBits) + " is outside "
                    + MIN_CLUSTER_BITS + ".." + MAX_CLUSTER_BITS);
        }
        clusterSize = 1L << clusterBits;
        virtualSize = h.getLong(SIZE_OFFSET);
        if (virtualSize < 0) {
            throw new ImageException("qcow2 virtual size " + Long.toUnsignedString(virtualSize) + " is out of range");
        }
        cryptMethod = h.getInt(CRYPT_METHOD_OFFSET);
        if (version == 3) {
            int headerLength = h.getInt(HEADER_LENGTH_OFFSET);
            if (headerLength < V3_MIN_HEADER_BYTES || headerLength > clusterSize) {
                throw new ImageException("qcow2 header_length " + Integer.toUnsignedString(headerLength)
                        + " is outside " + V3_MIN_HEADER_BYTES + ".." + clusterSize);
            }
            incompatible = h.getLong(INCOMPATIBLE_FEATURES_OFFSET);
        } else {
            incompatible = 0;
        }
        extendedL2 = (incompatible & INCOMPAT_EXTENDED_L2) != 0;
        l1Size = Integer.toUnsignedLong(h.getInt(L1_SIZE_OFFSET));
        l1Offset = h.getLong(L1_TABLE_OFFSET_OFFSET);
        if (l1Size > MAX_L1_ENTRIES) {
            throw new ImageException("qcow2 L1 table of " + l1Size + " entries is larger than QEMU allows ("
                    + MAX_L1_ENTRIES + ")");
        }
        long bytesPerL1 = clusterSize * l2Entries();
        long needed = virtualSize / bytesPerL1 + (virtualSize % bytesPerL1 == 0 ? 0 : 1);
        if (needed > l1Size) {
            throw new ImageException("qcow2 L1 table has " + l1Size + " entries, fewer than the " + needed
                    + " its virtual size of " + virtualSize + " bytes needs");
        }
        if (l1Size > 0 && (l1Offset <= 0 || l1Offset % clusterSize != 0 || l1Offset > fileSize - l1Size * 8)) {
            throw new ImageException("qcow2 L1 table offset " + Long.toUnsignedString(l1Offset)
                    + " is not a cluster-aligned place inside the " + fileSize + "-byte file");
        }
        long backingOffset = h.getLong(BACKING_FILE_OFFSET_OFFSET);
        long backingSize = Integer.toUnsignedLong(h.getInt(BACKING_FILE_SIZE_OFFSET));
        if (backingOffset == 0) {
            backingFile = "";
        } else {
            if (backingSize > MAX_BACKING_FILE_BYTES) {
                throw new ImageException("qcow2 backing file name of " + backingSize + " bytes is longer than "
                        + MAX_BACKING_FILE_BYTES);
            }
            if (backingOffset < 0 || backingOffset > fileSize - backingSize) {
                throw new ImageException("qcow2 backing file name at offset " + Long.toUnsignedString(backingOffset)
                        + " lies outside the " + fileSize + "-byte file");
            }
            backingFile = new String(readFile(backingOffset, (int) backingSize), StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads and checks a qcow2 header.
     *
     * @throws ImageException when the header is too short or any of its fields is out of range
     */
    static Qcow2Image open(FileChannel file, long fileSize) throws ImageException {
        if (fileSize < V2_HEADER_BYTES) {
            throw new ImageException("the file has the qcow2 magic but is only " + fileSize
                    + " bytes, shorter than a qcow2 header");
        }
        ByteBuffer h = ByteBuffer.allocate((int) Math.min(V3_MIN_HEADER_BYTES, fileSize));
        readFully(file, h, 0);
        h.flip();
        if (h.limit() < V3_MIN_HEADER_BYTES) {
            ByteBuffer padded = ByteBuffer.allocate(V3_MIN_HEADER_BYTES);
            padded.put(h);
            padded.clear();
            h = padded;
        }
        if (h.getInt(MAGIC_OFFSET) != MAGIC) {
            throw new ImageException("the file is not a qcow2 image");
        }
        Qcow2Image image = new Qcow2Image(file, fileSize, h);
        if (image.version == 3 && fileSize < V3_MIN_HEADER_BYTES) {
            throw new ImageException("the file is a qcow2 version 3 image but is only " + fileSize
                    + " bytes, shorter than its header");
        }
        return image;
    }

    /** Reasons the data cannot be read through this reader (empty when it can). */
    List<String> dataObstacles() {
        List<String> out = new ArrayList<>();
        if (cryptMethod != 0) {
            out.add("the image is encrypted (crypt_method " + cryptMethod + "), so its contents cannot be inspected");
        }
        if ((incompatible & INCOMPAT_EXTERNAL_DATA) != 0) {
            out.add("the image keeps its data in an external data file, which is not opened");
        }
        if ((incompatible & ~INCOMPAT_KNOWN) != 0) {
            out.add("the image uses unknown incompatible features 0x" + Long.toHexString(incompatible & ~INCOMPAT_KNOWN)
                    + ", so its contents cannot be inspected");
        }
        return out;
    }

    private long l2Entries() {
        return clusterSize / (extendedL2 ? 16 : 8);
    }

    @Override
    public long size() {
        return virtualSize;
    }

    @Override
    public byte[] read(long offset, int length) throws ImageException {
        if (offset < 0 || length < 0 || offset > virtualSize - length) {
            throw new ImageException("read of " + length + " bytes at guest offset " + offset
                    + " lies beyond the qcow2 virtual size " + virtualSize);
        }
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long guest = offset + done;
            long inCluster = guest & (clusterSize - 1);
            long unit = extendedL2 ? clusterSize / SUBCLUSTERS : clusterSize;
            long inUnit = guest % unit;
            int chunk = (int) Math.min(length - done, unit - inUnit);
            long host = hostOffset(guest, inCluster);
            if (host >= 0) {
                if (host > fileSize - chunk) {
                    throw new ImageException("qcow2 data for guest offset " + guest + " lies at host offset " + host
                            + ", beyond the end of the " + fileSize + "-byte file");
                }
                System.arraycopy(readFile(host, chunk), 0, out, done, chunk);
            }
            done += chunk;
        }
        return out;
    }

    /** The host offset holding guest byte {@code guest}, or -1 when it reads as zeroes. */
    private long hostOffset(long guest, long inCluster) throws ImageException {
        long l2Count = l2Entries();
        long clusterIndex = guest >>> clusterBits;
        long l1Index = clusterIndex / l2Count;
        long l2Index = clusterIndex % l2Count;
        long l1Entry = ByteBuffer.wrap(readFile(l1Offset + l1Index * 8, 8)).getLong();
        long l2Table = l1Entry & L1_OFFSET_MASK;
        if (l2Table == 0) {
            return -1;
        }
        if (l2Table % clusterSize != 0 || l2Table > fileSize - clusterSize) {
            throw new ImageException("qcow2 L1 entry " + l1Index + " points at offset " + l2Table
                    + ", which is not a cluster inside the " + fileSize + "-byte file");
        }
        int entryBytes = extendedL2 ? 16 : 8;
        ByteBuffer e = ByteBuffer.wrap(readFile(l2Table + l2Index * entryBytes, entryBytes));
        long l2Entry = e.getLong(0);
        if ((l2Entry & L2_COMPRESSED) != 0) {
            throw new ImageException("cannot inspect compressed clusters (guest offset " + guest + ")");
        }
        long data = l2Entry & L2_OFFSET_MASK;
        if (extendedL2) {
            long bitmap = e.getLong(8);
            int sub = (int) (inCluster / (clusterSize / SUBCLUSTERS));
            if ((bitmap & (1L << (32 + sub))) != 0 || (bitmap & (1L << sub)) == 0) {
                return -1;
            }
        } else if (version == 3 && (l2Entry & L2_ZERO) != 0) {
            return -1;
        }
        if (data == 0) {
            return -1;
        }
        if (data % clusterSize != 0 || data > fileSize - 1) {
            throw new ImageException("qcow2 L2 entry for guest offset " + guest + " points at offset " + data
                    + ", which is not a cluster inside the " + fileSize + "-byte file");
        }
        return data + inCluster;
    }

    private byte[] readFile(long at, int length) throws ImageException {
        ByteBuffer b = ByteBuffer.allocate(length);
        readFully(file, b, at);
        if (b.position() < length) {
            throw new ImageException("the qcow2 file ends at " + fileSize + " bytes, before the " + length
                    + " bytes at offset " + at);
        }
        return b.array();
    }

    private static void readFully(FileChannel file, ByteBuffer b, long at) throws ImageException {
        try {
            while (b.hasRemaining()) {
                int n = file.read(b, at + b.position());
                if (n < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new ImageException("reading the image failed: " + e.getMessage(), e);
        }
    }
}
