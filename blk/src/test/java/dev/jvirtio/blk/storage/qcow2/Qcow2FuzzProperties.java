package dev.jvirtio.blk.storage.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.blk.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Randomly damaged metadata (header, L1 and L2 tables, refcount table and blocks) in an image made
 * by qemu-img: opening and using it either works or fails with a {@link StorageException} whose
 * message is one sentence; nothing else is thrown, read-only use never changes the file, the header
 * changes only in the fields a writer may set, guest data never lands in the header or the tables
 * it names, and the file grows no more than the data written can explain.
 */
class Qcow2FuzzProperties {

    private static final byte[] MARK = "jvirtio-fuzz-data".getBytes(StandardCharsets.US_ASCII);
    private static final int CLUSTER = 4096;
    private static Path dir;
    private static Path pristine;
    private static List<long[]> regions;

    @BeforeContainer
    static void makeImage() throws Exception {
        QemuTools.require();
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "jvirtio-qcow2-fuzz-");
        Path source = dir.resolve("source.raw");
        byte[] content = new byte[2 << 20];
        Arrays.fill(content, 0, 64 << 10, (byte) 'c');
        Files.write(source, content);
        pristine = dir.resolve("pristine.qcow2");
        QemuTools.img("convert", "-c", "-O", "qcow2", "-o", "cluster_size=4096", source.toString(), pristine.toString());
        QemuTools.io(pristine, "qcow2", "write -P 0x11 1M 64k", "write -z 1200k 8k");
        regions = metadataRegions(Files.readAllBytes(pristine));
    }

    @AfterContainer
    static void removeImage() throws Exception {
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** [offset, length] of the header cluster, L1 table, refcount table, refcount blocks and L2 tables. */
    private static List<long[]> metadataRegions(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image);
        List<long[]> out = new ArrayList<>();
        out.add(new long[] {0, 112});
        long l1 = b.getLong(40);
        int l1Size = b.getInt(36);
        out.add(new long[] {l1, l1Size * 8L});
        long table = b.getLong(48);
        out.add(new long[] {table, CLUSTER});
        for (int i = 0; i < CLUSTER / 8; i++) {
            long block = b.getLong((int) table + i * 8);
            if (block != 0) {
                out.add(new long[] {block, CLUSTER});
            }
        }
        for (int i = 0; i < l1Size; i++) {
            long l2 = b.getLong((int) l1 + i * 8) & Qcow2Layout.OFFSET_MASK;
            if (l2 != 0) {
                out.add(new long[] {l2, CLUSTER});
            }
        }
        return out;
    }

    @Property(tries = 150)
    void damagedMetadataGivesClearErrorsAndStaysInBounds(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        Path image = dir.resolve("fuzz-" + Long.toHexString(seed) + ".qcow2");
        Files.copy(pristine, image);
        try {
            damage(image, random);
            byte[] damaged = Files.readAllBytes(image);
            useReadOnly(image);
            assertThat(Files.readAllBytes(image)).as("read-only use changes nothing").isEqualTo(damaged);
            long written = useWritable(image, random);
            byte[] after = Files.readAllBytes(image);
            assertThat((long) after.length).as("the file grows only by what was written")
                    .isLessThanOrEqualTo(damaged.length + 4 * written + 64L * CLUSTER);
            assertHeaderKept(damaged, after);
            assertNoDataIn(after, 0, CLUSTER, "the header cluster");
            ByteBuffer h = ByteBuffer.wrap(damaged);
            assertNoDataIn(after, h.getLong(40), h.getInt(36) * 8L, "the L1 table");
            assertNoDataIn(after, h.getLong(48), (long) h.getInt(56) * CLUSTER, "the refcount table");
        } finally {
            Files.deleteIfExists(image);
        }
    }

    private static void damage(Path image, Random random) throws Exception {
        byte[] bytes = Files.readAllBytes(image);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int count = 1 + random.nextInt(6);
        for (int i = 0; i < count; i++) {
            long[] region = regions.get(random.nextInt(regions.size()));
            int at = (int) (region[0] + random.nextLong(Math.max(1, region[1] - 7)));
            at -= at % (random.nextBoolean() ? 8 : 1);
            if (at + 8 > bytes.length) {
                continue;
            }
            switch (random.nextInt(6)) {
                case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> bytes[at] = (byte) random.nextInt(256);
                case 2 -> b.putLong(at, random.nextLong());
                case 3 -> b.putLong(at, (bytes.length + (long) CLUSTER * random.nextInt(4)) | Qcow2Layout.COPIED);
                case 4 -> b.putLong(at, ((long) CLUSTER * random.nextInt(8)) | Qcow2Layout.COPIED);
                default -> b.putLong(at, random.nextBoolean() ? 0 : -1L);
            }
        }
        Files.write(image, bytes);
    }

    private static void useReadOnly(Path image) {
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, true)) {
            for (long at = 0; at < disk.sizeBytes(); at += 256 << 10) {
                long from = at;
                attempt(() -> Disks.read(disk, from, (int) Math.min(256 << 10, disk.sizeBytes() - from)));
            }
        } catch (StorageException e) {
            assertClear(e);
        }
    }

    /** Writes, zeroes and discards; returns the bytes of data written. */
    private static long useWritable(Path image, Random random) {
        long written = 0;
        try (Storage disk = Qcow2Storage.open(image, CacheMode.WRITEBACK, false)) {
            Statistics.label("writable open").collect("opened");
            long size = disk.sizeBytes();
            for (int i = 0; i < 12; i++) {
                int length = (int) Math.min(512 * random.nextInt(1, 40), size);
                long offset = 512L * random.nextLong(Math.max(1, (size - length) / 512));
                switch (random.nextInt(5)) {
                    case 0 -> attempt(() -> disk.discard(offset, length));
                    case 1 -> attempt(() -> disk.writeZeroes(offset, length, random.nextBoolean()));
                    case 2 -> attempt(() -> Disks.read(disk, offset, length));
                    default -> {
                        byte[] data = new byte[length];
                        for (int j = 0; j < length; j++) {
                            data[j] = MARK[j % MARK.length];
                        }
                        written += length;
                        attempt(() -> Disks.write(disk, offset, data));
                    }
                }
            }
        } catch (StorageException e) {
            Statistics.label("writable open").collect("refused");
            assertClear(e);
        }
        return written;
    }

    private static void attempt(Runnable request) {
        try {
            request.run();
            Statistics.label("request").collect("served");
        } catch (StorageException e) {
            Statistics.label("request").collect("refused");
            assertClear(e);
        }
    }

    private static void assertClear(StorageException e) {
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("null");
    }

    /** The header may change only in incompatible features (corrupt bit), autoclear bits and the refcount table fields. */
    private static void assertHeaderKept(byte[] before, byte[] after) {
        byte[] a = Arrays.copyOf(before, CLUSTER);
        byte[] b = Arrays.copyOf(after, CLUSTER);
        for (byte[] h : new byte[][] {a, b}) {
            Arrays.fill(h, 48, 60, (byte) 0);
            Arrays.fill(h, 72, 80, (byte) 0);
            Arrays.fill(h, 88, 96, (byte) 0);
        }
        assertThat(b).as("the header cluster outside the fields a writer sets").isEqualTo(a);
    }

    private static void assertNoDataIn(byte[] image, long offset, long length, String what) {
        if (offset < 0 || length <= 0 || offset >= image.length || length > 64 << 20) {
            return;
        }
        byte[] region = Arrays.copyOfRange(image, (int) offset, (int) Math.min(image.length, offset + length));
        String text = new String(region, StandardCharsets.ISO_8859_1);
        assertThat(text).as("guest data in %s", what).doesNotContain(new String(MARK, StandardCharsets.ISO_8859_1));
    }
}
