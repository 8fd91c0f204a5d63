package dev.jvirtio.cli.bench;

import dev.jvirtio.blk.BlkRequestType;
import dev.jvirtio.blk.driver.BlkDriverQueue;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A checksummed pattern that tells where every sector belongs: each 512-byte sector holds its own
 * index and the run's seed, pseudo-random filler derived from both, and a CRC32C of the rest. A
 * sector read back with a wrong checksum was corrupted; one with a valid checksum but another
 * index or seed was written to the wrong place or not at all.
 *
 * <pre>
 *   0  le64 seed
 *   8  le64 sector index
 *  16  filler (488 bytes)
 * 504  le32 CRC32C of bytes 0..503
 * 508  le32 0
 * </pre>
 */
final class PatternCheck {

    static final int SECTOR = BlkRequestType.SECTOR_SIZE;
    private static final int SEED_AT = 0;
    private static final int INDEX_AT = 8;
    private static final int FILLER_AT = 16;
    private static final int CRC_AT = 504;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = 1 << 20;

    /** What a check found. */
    record Outcome(long bytes, long badSectors, String firstProblem) {

        boolean ok() {
            return badSectors == 0;
        }

        String describe() {
            return ok() ? "verify: " + bytes + " bytes read back intact"
                    : "verify failed: " + badSectors + " of " + bytes / SECTOR + " sectors are wrong; first: " + firstProblem;
        }
    }

    private PatternCheck() {
    }

    /** Writes the pattern of sector {@code index} under {@code seed} into {@code sector} (512 bytes). */
    static void fill(MemorySegment sector, long seed, long index) {
        sector.set(LE64, SEED_AT, seed);
        sector.set(LE64, INDEX_AT, index);
        SplittableRandom filler = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        for (int i = FILLER_AT; i < CRC_AT; i += 8) {
            sector.set(LE64, i, filler.nextLong());
        }
        sector.set(LE32, CRC_AT, crc(sector));
        sector.set(LE32, CRC_AT + 4, 0);
    }

    /** Null if {@code sector} holds the pattern of sector {@code index} under {@code seed}, else what is wrong. */
    static String problem(MemorySegment sector, long seed, long index) {
        if (sector.get(LE32, CRC_AT) != crc(sector)) {
            return "sector " + index + " (byte " + index * SECTOR + ") fails its checksum";
        }
        long foundSeed = sector.get(LE64, SEED_AT);
        long foundIndex = sector.get(LE64, INDEX_AT);
        if (foundSeed != seed) {
            return "sector " + index + " (byte " + index * SECTOR + ") holds data of another run";
        }
        if (foundIndex != index) {
            return "sector " + index + " (byte " + index * SECTOR + ") holds sector " + foundIndex + "'s data";
        }
        MemorySegment expected = MemorySegment.ofArray(new byte[SECTOR]);
        fill(expected, seed, index);
        if (expected.mismatch(sector) >= 0) {
            return "sector " + index + " (byte " + index * SECTOR + ") differs from the pattern";
        }
        return null;
    }

    private static int crc(MemorySegment sector) {
        CRC32C crc = new CRC32C();
        crc.update(sector.asSlice(0, CRC_AT).asByteBuffer());
        return (int) crc.getValue();
    }

    /** Writes the pattern over bytes [0, {@code bytes}) of the device through {@code queue}, then flushes if it can. */
    static void write(BlkDriverQueue queue, long bytes, long seed, boolean flush) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK, 4096);
            for (long offset = 0; offset < bytes; offset += CHUNK) {
                int n = (int) Math.min(CHUNK, bytes - offset);
                for (int s = 0; s < n; s += SECTOR) {
                    fill(buffer.asSlice(s, SECTOR), seed, (offset + s) / SECTOR);
                }
                queue.write(offset, buffer.asSlice(0, n));
            }
        }
        if (flush) {
            queue.flush();
        }
    }

    /** Reads bytes [0, {@code bytes}) back through {@code queue} and checks every sector. */
    static Outcome check(BlkDriverQueue queue, long bytes, long seed) throws IOException {
        long bad = 0;
        String first = null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK, 4096);
            for (long offset = 0; offset < bytes; offset += CHUNK) {
                int n = (int) Math.min(CHUNK, bytes - offset);
                queue.read(offset, buffer.asSlice(0, n));
                for (int s = 0; s < n; s += SECTOR) {
                    String problem = problem(buffer.asSlice(s, SECTOR), seed, (offset + s) / SECTOR);
                    if (problem != null) {
                        bad++;
                        first = first == null ? problem : first;
                    }
                }
            }
        }
        return new Outcome(bytes, bad, first);
    }
}
