package dev.jvirtio.tune.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostileImageTest {

    @TempDir
    Path dir;

    private Path write(Consumer<ByteBuffer> corrupt) throws Exception {
        byte[] image = SyntheticDisks.qcow2(SyntheticDisks.mbr(0x83, 63, 100));
        corrupt.accept(ByteBuffer.wrap(image));
        Path p = dir.resolve("hostile.qcow2");
        Files.write(p, image);
        return p;
    }

    private void rejected(Consumer<ByteBuffer> corrupt, String message) throws Exception {
        Path p = write(corrupt);
        assertThatThrownBy(() -> ImageInspector.inspect(p)).isInstanceOf(ImageException.class)
                .hasMessageStartingWith("image " + p + ": ").hasMessageContaining(message);
    }

    @Test
    void theUncorruptedSyntheticImageReadsItsPartition() throws Exception {
        ImageInfo info = ImageInspector.inspect(write(b -> { }));
        assertThat(info.format()).isEqualTo("qcow2");
        assertThat(info.partitions()).singleElement().extracting(Partition::startLba).isEqualTo(63L);
    }

    @Test
    void anUnknownVersionIsRejected() throws Exception {
        rejected(b -> b.putInt(4, 4), "qcow2 version 4 is not 2 or 3");
    }

    @Test
    void anAbsurdClusterSizeIsRejected() throws Exception {
        rejected(b -> b.putInt(20, 40), "cluster_bits 40 is outside 9..21");
        rejected(b -> b.putInt(20, -1), "cluster_bits 4294967295");
    }

    @Test
    void aHugeVirtualSizeThatTheL1TableCannotCoverIsRejected() throws Exception {
        rejected(b -> b.putLong(24, 1L << 62), "fewer than");
        rejected(b -> b.putLong(24, -1L), "virtual size 18446744073709551615 is out of range");
    }

    @Test
    void aHugeL1TableIsRejectedWithoutAllocatingIt() throws Exception {
        rejected(b -> b.putInt(36, -1), "larger than QEMU allows");
    }

    @Test
    void anL1TableOutsideTheFileIsRejected() throws Exception {
        rejected(b -> b.putLong(40, 1L << 40), "L1 table offset 1099511627776");
        rejected(b -> b.putLong(40, 100), "not a cluster-aligned place");
    }

    @Test
    void anL1EntryPointingOutsideTheFileIsRejected() throws Exception {
        rejected(b -> b.putLong(SyntheticDisks.L1_OFFSET, 1L << 40), "L1 entry 0 points at offset 1099511627776");
    }

    @Test
    void anL2EntryPointingOutsideTheFileIsRejected() throws Exception {
        rejected(b -> b.putLong(SyntheticDisks.L2_OFFSET, 1L << 30), "L2 entry for guest offset 0 points at offset");
    }

    @Test
    void aBackingFileNameOutsideTheFileOrTooLongIsRejected() throws Exception {
        rejected(b -> {
            b.putLong(8, 1L << 40);
            b.putInt(16, 10);
        }, "backing file name at offset 1099511627776 lies outside");
        rejected(b -> {
            b.putLong(8, 100);
            b.putInt(16, 100000);
        }, "backing file name of 100000 bytes is longer than 1023");
    }

    @Test
    void anL1EntryPointingAtTheHeaderReadsAsGarbageButStaysBounded() throws Exception {
        Path p = write(b -> b.putLong(SyntheticDisks.L1_OFFSET, 0));
        assertThat(ImageInspector.inspect(p).partitionScheme()).isEqualTo("none");
        Path q = write(b -> b.putLong(SyntheticDisks.L1_OFFSET, SyntheticDisks.L1_OFFSET));
        try {
            ImageInspector.inspect(q);
        } catch (ImageException e) {
            assertThat(e.getMessage()).startsWith("image " + q);
        }
    }

    @Test
    void aFileCutShortAfterTheMagicIsNamed() throws Exception {
        Path p = dir.resolve("short.qcow2");
        Files.write(p, new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        assertThatThrownBy(() -> ImageInspector.inspect(p))
                .hasMessage("image " + p + ": the file has the qcow2 magic but is only 8 bytes, shorter than a qcow2 header");
    }

    @Test
    void encryptedAndUnknownFeatureImagesAreReportedNotRead() throws Exception {
        ImageInfo encrypted = ImageInspector.inspect(write(b -> b.putInt(32, 2)));
        assertThat(encrypted.partitionScheme()).isEqualTo("unreadable");
        assertThat(encrypted.notes()).anySatisfy(n -> assertThat(n).contains("encrypted"));
    }

    @Test
    void aRawDiskWithACorruptGptIsAClearError() throws Exception {
        byte[] disk = SyntheticDisks.gpt(200, 40);
        disk[512 + 30] ^= 1;
        Path p = dir.resolve("corrupt-gpt.raw");
        Files.write(p, disk);
        assertThatThrownBy(() -> ImageInspector.inspect(p))
                .hasMessage("image " + p + ": the GPT header checksum does not match its contents");
    }
}
