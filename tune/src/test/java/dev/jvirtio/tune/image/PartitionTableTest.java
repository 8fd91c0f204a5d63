package dev.jvirtio.tune.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class PartitionTableTest {

    @Test
    void aDiskWithoutBootSignatureOrShorterThanASectorHasNoTable() throws Exception {
        assertThat(PartitionTable.read(ByteReader.of(new byte[1024])).scheme()).isEqualTo("none");
        assertThat(PartitionTable.read(ByteReader.of(new byte[100])).scheme()).isEqualTo("none");
    }

    @Test
    void alignmentIsJudgedOn4KiBAnd1MiBBoundaries() throws Exception {
        for (long start : new long[] {63, 64, 2048, 2049}) {
            PartitionTable t = PartitionTable.read(ByteReader.of(SyntheticDisks.mbr(0x83, start, 10)));
            Partition p = t.partitions().get(0);
            assertThat(p.alignedTo4K()).as("start %d", start).isEqualTo(start * 512 % 4096 == 0);
            assertThat(p.alignedTo1MiB()).as("start %d", start).isEqualTo(start * 512 % 1048576 == 0);
        }
    }

    @Test
    void gptPartitionsAreReadFromTheEntryArray() throws Exception {
        PartitionTable t = PartitionTable.read(ByteReader.of(SyntheticDisks.gpt(400, 40, 63, 200)));
        assertThat(t.scheme()).isEqualTo("gpt");
        assertThat(t.partitions()).extracting(Partition::startLba).containsExactly(40L, 63L, 200L);
        assertThat(t.partitions()).extracting(Partition::sizeLba).containsOnly(100L);
    }

    @Test
    void aGptEntryArrayLargerThanTheBoundIsRefusedBeforeReading() {
        byte[] disk = SyntheticDisks.gpt(200, 40);
        ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN).putInt(512 + 80, 1 << 24);
        SyntheticDisks.resealGptHeader(disk);
        assertThatThrownBy(() -> PartitionTable.read(ByteReader.of(disk))).isInstanceOf(ImageException.class)
                .hasMessageContaining("is larger than 1048576 bytes");
    }

    @Test
    void aGptEntryArrayBeyondTheDiskIsRefused() {
        byte[] disk = SyntheticDisks.gpt(200, 40);
        ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN).putLong(512 + 72, Long.MAX_VALUE);
        SyntheticDisks.resealGptHeader(disk);
        assertThatThrownBy(() -> PartitionTable.read(ByteReader.of(disk)))
                .hasMessageContaining("lies outside the disk");
    }

    @Test
    void aGptEntryThatEndsBeforeItStartsIsRefused() {
        byte[] disk = SyntheticDisks.gpt(200, 40);
        ByteBuffer d = ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN);
        d.putLong(1024 + 40, 10);
        byte[] array = new byte[128 * 128];
        System.arraycopy(disk, 1024, array, 0, array.length);
        d.putInt(512 + 88, SyntheticDisks.crc(array));
        SyntheticDisks.resealGptHeader(disk);
        assertThatThrownBy(() -> PartitionTable.read(ByteReader.of(disk)))
                .hasMessage("GPT entry 1 ends (sector 10) before it starts (sector 40)");
    }

    @Test
    void aGptEntryArrayWithAWrongChecksumIsRefused() {
        byte[] disk = SyntheticDisks.gpt(200, 40);
        disk[1024 + 33] ^= 1;
        assertThatThrownBy(() -> PartitionTable.read(ByteReader.of(disk)))
                .hasMessage("the GPT entry array checksum does not match its contents");
    }

    @Test
    void aLogicalPartitionChainThatLoopsIsRefused() {
        byte[] disk = new byte[64 * 512];
        System.arraycopy(SyntheticDisks.mbr(0x05, 10, 50), 0, disk, 0, 512);
        // The EBR at sector 10 holds a logical partition and links to the next EBR at relative 0: itself.
        byte[] ebr = SyntheticDisks.mbr(0x83, 1, 5);
        ByteBuffer e = ByteBuffer.wrap(ebr).order(ByteOrder.LITTLE_ENDIAN);
        e.put(462 + 4, (byte) 0x05);
        e.putInt(462 + 8, 0);
        e.putInt(462 + 12, 10);
        System.arraycopy(ebr, 0, disk, 10 * 512, 512);
        assertThatThrownBy(() -> PartitionTable.read(ByteReader.of(disk)))
                .hasMessage("the MBR's chain of logical partitions loops back to sector 10");
    }

    @Test
    void anExtendedPartitionBeyondTheDiskIsRefused() {
        byte[] disk = new byte[4 * 512];
        System.arraycopy(SyntheticDisks.mbr(0x0f, 1_000_000, 50), 0, disk, 0, 512);
        assertThatThrownBy(() -> PartitionTable.read(ByteReader.of(disk)))
                .hasMessageContaining("lies beyond the end of the disk");
    }
}
