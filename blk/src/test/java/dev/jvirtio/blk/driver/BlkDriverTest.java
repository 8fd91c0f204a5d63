package dev.jvirtio.blk.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.blk.BlkFeatures;
import dev.jvirtio.blk.BlkRequestType;
import dev.jvirtio.core.device.VirtioFeatures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The virtio-blk driver against a device in this process: the requests it builds and how it judges answers. */
@Timeout(30)
class BlkDriverTest {

    private static final int DISK = 1 << 20;
    private static final long ALL = InProcessTransport.featureWord(BlkFeatures.FLUSH, BlkFeatures.DISCARD,
            BlkFeatures.WRITE_ZEROES, BlkFeatures.SIZE_MAX, BlkFeatures.SEG_MAX) | VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX);

    private static BlkDriverOptions options(int depth, int maxBytes) {
        return BlkDriverOptions.defaults().withQueueDepth(depth).withMaxRequestBytes(maxBytes);
    }

    @Test
    void writesAndReadsReachTheDisk() throws Exception {
        MemoryDisk disk = new MemoryDisk(DISK);
        byte[] pattern = new byte[200 * 512];
        new Random(3).nextBytes(pattern);
        try (InProcessTransport t = new InProcessTransport(ALL, InProcessTransport.config(DISK / 512, 0), 1, 64, disk);
             Arena arena = Arena.ofConfined()) {
            BlkDriverQueue q = BlkDriver.open(t, options(4, 8192)).queue(0);
            q.write(4096, arena.allocate(pattern.length).copyFrom(MemorySegment.ofArray(pattern)));
            assertThat(Arrays.copyOfRange(disk.bytes, 4096, 4096 + pattern.length)).isEqualTo(pattern);

            MemorySegment back = arena.allocate(pattern.length);
            q.read(4096, back);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(pattern);

            q.writeZeroes(4096 + 512, 1024, false);
            q.discard(4096 + 4 * 512, 512);
            q.flush();
            byte[] expected = pattern.clone();
            Arrays.fill(expected, 512, 512 + 1024, (byte) 0);
            Arrays.fill(expected, 4 * 512, 5 * 512, (byte) 0);
            assertThat(Arrays.copyOfRange(disk.bytes, 4096, 4096 + pattern.length)).isEqualTo(expected);
            assertThat(q.getId()).isEqualTo("memory-disk");
            assertThat(q.inFlight()).isZero();
        }
        // 200 sectors in 8 KiB requests are 13 reads and 13 writes.
        assertThat(disk.types.stream().filter(ty -> ty == BlkRequestType.OUT).count()).isEqualTo(13);
        assertThat(disk.types.stream().filter(ty -> ty == BlkRequestType.IN).count()).isEqualTo(13);
    }

    @Test
    void dataIsSplitIntoSegmentsOfSizeMax() throws Exception {
        MemoryDisk disk = new MemoryDisk(DISK);
        try (InProcessTransport t = new InProcessTransport(ALL, InProcessTransport.config(DISK / 512, 4096), 1, 64, disk);
             Arena arena = Arena.ofConfined()) {
            BlkDriverQueue q = BlkDriver.open(t, options(2, 16384)).queue(0);
            q.write(0, arena.allocate(16384));
        }
        // 5.2.4 size_max: a 16 KiB transfer in 4 KiB segments, plus header and status.
        assertThat(disk.descriptorCounts).containsExactly(16384 / 4096 + 2);
    }

    @Test
    void slotsStayMatchedWhenABatchCompletesBackwardsAndIsRestagedAtOnce() throws Exception {
        MemoryDisk disk = new MemoryDisk(DISK);
        for (int sector = 0; sector < DISK / 512; sector++) {
            disk.bytes[sector * 512] = (byte) sector;
        }
        disk.reverse = true;
        try (InProcessTransport t = new InProcessTransport(ALL, InProcessTransport.config(DISK / 512, 0), 1, 64, disk)) {
            BlkDriverQueue q = BlkDriver.open(t, options(8, 512)).queue(0);
            long[] sectorOf = new long[8];
            for (int slot = 0; slot < 8; slot++) {
                sectorOf[slot] = slot;
                q.stage(slot, BlkRequestType.IN, slot, 512);
            }
            q.submit();
            int[] checked = {0};
            long[] next = {8};
            while (checked[0] < 64) {
                q.complete((slot, status) -> {
                    assertThat(status).isEqualTo(BlkRequestType.S_OK);
                    assertThat(q.data(slot).get(ValueLayout.JAVA_BYTE, 0)).as("slot %d read sector %d", slot, sectorOf[slot])
                            .isEqualTo((byte) sectorOf[slot]);
                    checked[0]++;
                    sectorOf[slot] = next[0]++;
                    q.stage(slot, BlkRequestType.IN, sectorOf[slot], 512);
                });
                q.submit();
            }
            q.drain();
        }
    }

    @Test
    void errorStatusNamesTheRequestAndLeavesTheQueueIdle() throws Exception {
        InProcessTransport.Behaviour failing = (queue, chains, used) -> {
            for (var chain : chains) {
                chain.writeByte(chain.writableLength() - 1, BlkRequestType.S_IOERR);
                queue.pushUsed(chain, 1);
            }
            queue.publishUsed();
            return true;
        };
        try (InProcessTransport t = new InProcessTransport(ALL, InProcessTransport.config(DISK / 512, 0), 1, 64, failing);
             Arena arena = Arena.ofConfined()) {
            BlkDriverQueue q = BlkDriver.open(t, options(4, 4096)).queue(0);
            assertThatThrownBy(() -> q.write(8 * 512, arena.allocate(4096)))
                    .isInstanceOf(BlkIoException.class)
                    .hasMessage("virtio-blk OUT of 4096 bytes at sector 8 on queue 0 failed: the device answered IOERR");
            assertThat(q.inFlight()).isZero();
        }
    }

    @Test
    void aCompletionWithoutStatusIsReported() throws Exception {
        InProcessTransport.Behaviour mute = (queue, chains, used) -> {
            chains.forEach(chain -> queue.pushUsed(chain, 0));
            queue.publishUsed();
            return true;
        };
        try (InProcessTransport t = new InProcessTransport(ALL, InProcessTransport.config(DISK / 512, 0), 1, 64, mute)) {
            BlkDriverQueue q = BlkDriver.open(t, options(1, 4096)).queue(0);
            assertThatThrownBy(q::flush).isInstanceOf(BlkIoException.class)
                    .hasMessage("virtio-blk FLUSH on queue 0 failed: the device completed it without writing a status");
        }
    }

    @Test
    void aUsedElementNeverMadeAvailableBreaksTheQueueLoudly() throws Exception {
        // 2.7.8: used ring = le16 flags, le16 idx, then {le32 id, le32 len} elements.
        InProcessTransport.Behaviour liar = (queue, chains, used) -> {
            used.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, 5);
            used.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8, 1);
            used.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2, (short) 1);
            return true;
        };
        try (InProcessTransport t = new InProcessTransport(ALL, InProcessTransport.config(DISK / 512, 0), 1, 64, liar)) {
            BlkDriverQueue q = BlkDriver.open(t, options(1, 4096)).queue(0);
            assertThatThrownBy(q::flush).isInstanceOf(BlkIoException.class)
                    .hasMessageStartingWith("the device broke the virtqueue rules on queue 0: ")
                    .hasMessageContaining("used id=5 is not in flight");
        }
    }

    @Test
    void aSilentDeviceTimesOut() throws Exception {
        InProcessTransport.Behaviour silent = (queue, chains, used) -> false;
        try (InProcessTransport t = new InProcessTransport(ALL, InProcessTransport.config(DISK / 512, 0), 1, 64, silent)) {
            BlkDriverQueue q = BlkDriver.open(t, options(1, 4096).withTimeout(Duration.ofMillis(100))).queue(0);
            assertThatThrownBy(q::flush).isInstanceOf(BlkIoException.class)
                    .hasMessage("no request completed on queue 0 within 0.1 s with 1 in flight: the back-end is stuck or gone");
        }
    }

    @Test
    void aConfigTooShortForTheCapacityIsRefused() throws Exception {
        try (InProcessTransport t = new InProcessTransport(ALL, new byte[4], 1, 64, new MemoryDisk(DISK))) {
            assertThatThrownBy(() -> BlkDriver.open(t, BlkDriverOptions.defaults()))
                    .isInstanceOf(BlkIoException.class)
                    .hasMessage("the device exposes 4 bytes of configuration, too few to read its capacity"
                            + " (vhost-user needs the CONFIG protocol feature)");
        }
    }

    @Test
    void aDepthTheQueueCannotHoldIsRefused() throws Exception {
        long noIndirect = InProcessTransport.featureWord(BlkFeatures.FLUSH);
        try (InProcessTransport t = new InProcessTransport(noIndirect, InProcessTransport.config(DISK / 512, 0), 1, 8,
                new MemoryDisk(DISK))) {
            assertThatThrownBy(() -> BlkDriver.open(t, options(4, 4096)))
                    .isInstanceOf(BlkIoException.class)
                    .hasMessage("queue depth 4 needs 12 descriptors but queue 0 has 8 and the device offers no indirect"
                            + " descriptors; lower the queue depth");
        }
    }

    @Test
    void requestsTheDeviceLacksAreRefusedBeforeTheyAreSent() throws Exception {
        MemoryDisk disk = new MemoryDisk(DISK);
        try (InProcessTransport t = new InProcessTransport(InProcessTransport.featureWord(), InProcessTransport.config(DISK / 512, 0),
                1, 64, disk)) {
            BlkDriverQueue q = BlkDriver.open(t, options(4, 4096)).queue(0);
            assertThatThrownBy(q::flush).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the device does not support FLUSH");
            assertThatThrownBy(() -> q.discard(0, 512)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the device does not support DISCARD");
        }
        assertThat(disk.types).isEmpty();
    }
}
