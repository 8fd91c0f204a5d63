package dev.jvirtio.core.virtqueue;

import static dev.jvirtio.core.virtqueue.SplitRingLayout.VIRTQ_DESC_F_INDIRECT;
import static dev.jvirtio.core.virtqueue.SplitRingLayout.VIRTQ_DESC_F_NEXT;
import static dev.jvirtio.core.virtqueue.SplitRingLayout.VIRTQ_DESC_F_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.memory.GuestMemoryException;
import dev.jvirtio.core.testkit.GuardedMemory;
import dev.jvirtio.core.testkit.RingWriter;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One scenario per split-ring rule the device enforces (VIRTIO 1.2, 2.7). A driver writes a hostile
 * ring byte by byte; the device must report the typed error, stop (no more chains, no re-enabled
 * notifications), publish nothing, and touch nothing outside guest memory, which is fenced by
 * canaries.
 */
class HostileRingTest {

    private static final int SIZE = 8;
    private static final long RING = 0x10_0000L;
    private static final long TABLES = RING + 0x8000;
    private static final long DATA = 0x20_0000L;
    private static final long DATA_SIZE = 0x1_0000L;
    /** Two regions adjacent in guest-physical space (their host pages are apart). */
    private static final long ADJACENT_LOW = 0x30_0000L;
    private static final long ADJACENT_HIGH = ADJACENT_LOW + 4096;
    private static final long FEATURES = VirtioFeatures.of(VirtioFeatures.RING_INDIRECT_DESC, VirtioFeatures.RING_EVENT_IDX);

    private final GuardedMemory memory = GuardedMemory.of(RING, 0x1_0000L, DATA, DATA_SIZE,
            ADJACENT_LOW, 4096, ADJACENT_HIGH, 4096);
    private final RingWriter ring = RingWriter.at(memory, SIZE, RING);
    private final DescriptorChain[] out = new DescriptorChain[2 * SIZE];

    @AfterEach
    void freeMemory() {
        memory.close();
    }

    private static long buffer(int i) {
        return DATA + 64L * i;
    }

    private DeviceQueue open() throws VirtqueueException {
        return ring.openDevice(memory.memory(), FEATURES, 0);
    }

    /** Pops once, expects {@code delivered} chains before the violation, and checks the broken state. */
    private VirtqueueException popExpectingBreak(DeviceQueue queue, int delivered, VirtqueueError error) {
        byte[] usedBefore = ring.usedRingBytes();

        int popped = queue.pop(out, out.length);

        assertThat(popped).as("chains delivered before the violation").isEqualTo(delivered);
        assertThat(queue.failure()).as("failure").isNotNull();
        assertThat(queue.failure().error()).isEqualTo(error);
        assertThat(ring.usedRingBytes()).as("used ring after a violation").isEqualTo(usedBefore);
        assertThat(queue.isBroken()).isTrue();
        assertThat(queue.pop(out, out.length)).as("pop on a broken queue").isZero();
        assertThat(queue.pendingCount()).isZero();
        assertThat(queue.enableNotification()).as("enableNotification on a broken queue").isFalse();
        memory.assertCanariesIntact();
        return queue.failure();
    }

    private DescriptorChain popOne(DeviceQueue queue) {
        assertThat(queue.pop(out, out.length)).as("chains popped; failure=%s", queue.failure()).isEqualTo(1);
        return out[0];
    }

    /** Writes every writable byte and reads every readable one, as a device would. */
    private void touchEverySegment(DescriptorChain chain) {
        for (int i = 0; i < chain.writableCount(); i++) {
            chain.writable(i).fill((byte) 0x77);
        }
        MemorySegment sink = MemorySegment.ofArray(new byte[(int) Math.min(chain.readableLength(), 1 << 20)]);
        chain.readFrom(0, sink);
        memory.assertCanariesIntact();
    }

    // 2.7.5.2: "this implies that loops in the descriptor chain are forbidden".
    @Test
    void aDescriptorLoop_2_7_5_2_isChainLoop() throws Exception {
        ring.descriptor(0, buffer(0), 16, VIRTQ_DESC_F_NEXT, 1)
                .descriptor(1, buffer(1), 16, VIRTQ_DESC_F_NEXT, 0)
                .offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.CHAIN_LOOP);
    }

    // 2.7.5: the queue size "is the maximum possible descriptor chain length".
    @Test
    void aChainLongerThanTheQueueSize_2_7_5_isChainLoop() throws Exception {
        for (int i = 0; i < SIZE; i++) {
            ring.descriptor(i, buffer(i), 16, VIRTQ_DESC_F_NEXT, (i + 1) % SIZE);
        }
        ring.offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.CHAIN_LOOP);
    }

    @Test
    void aChainOfExactlyTheQueueSizeIsServed_2_7_5() throws Exception {
        for (int i = 0; i < SIZE; i++) {
            boolean last = i == SIZE - 1;
            ring.descriptor(i, buffer(i), 16, VIRTQ_DESC_F_WRITE | (last ? 0 : VIRTQ_DESC_F_NEXT), last ? 0 : i + 1);
        }
        ring.offer(0);

        DescriptorChain chain = popOne(open());

        assertThat(chain.descriptorCount()).isEqualTo(SIZE);
        assertThat(chain.writableLength()).isEqualTo(16L * SIZE);
        touchEverySegment(chain);
    }

    // 2.7.5: next names a descriptor of the same table.
    @ParameterizedTest
    @ValueSource(ints = {SIZE, SIZE + 1, 0xffff})
    void aNextIndexAtOrBeyondTheQueueSize_2_7_5_isNextOutOfRange(int next) throws Exception {
        ring.descriptor(0, buffer(0), 16, VIRTQ_DESC_F_NEXT, next).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.NEXT_OUT_OF_RANGE);
    }

    @Test
    void aNextIndexBeyondAnIndirectTable_2_7_5_isNextOutOfRange() throws Exception {
        MemorySegment table = memory.at(TABLES, 2 * 16);
        RingWriter.write(table, 0, buffer(0), 16, VIRTQ_DESC_F_NEXT, 1);
        RingWriter.write(table, 1, buffer(1), 16, VIRTQ_DESC_F_NEXT, 2); // the table has 2 entries
        ring.descriptor(0, TABLES, table.byteSize(), VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.NEXT_OUT_OF_RANGE);
    }

    // 2.7.6: ring[] holds heads of descriptor chains, i.e. indices into the table.
    @ParameterizedTest
    @ValueSource(ints = {SIZE, SIZE + 1, 0xffff})
    void aHeadAtOrBeyondTheQueueSize_2_7_6_isHeadOutOfRange(int head) throws Exception {
        ring.offer(head);

        popExpectingBreak(open(), 0, VirtqueueError.HEAD_OUT_OF_RANGE);
    }

    // 2.7.13.1: a descriptor belongs to the device until it is returned in the used ring.
    @Test
    void aHeadMadeAvailableTwiceInOneBatch_2_7_13_1_isHeadInFlight() throws Exception {
        ring.descriptor(0, buffer(0), 16, 0, 0).offer(0, 0);

        VirtqueueException failure = popExpectingBreak(open(), 1, VirtqueueError.HEAD_IN_FLIGHT);

        assertThat(out[0].head()).isZero();
        assertThat(failure).hasMessageContaining("head=0");
    }

    @Test
    void aHeadMadeAvailableAgainBeforeItWasUsed_2_7_13_1_isHeadInFlight() throws Exception {
        ring.descriptor(0, buffer(0), 16, 0, 0).offer(0);
        DeviceQueue queue = open();
        popOne(queue);
        ring.offer(0);

        popExpectingBreak(queue, 0, VirtqueueError.HEAD_IN_FLIGHT);
    }

    @Test
    void aHeadReturnedToTheUsedRingMayBeMadeAvailableAgain_2_7_13_1() throws Exception {
        ring.descriptor(0, buffer(0), 16, VIRTQ_DESC_F_WRITE, 0).offer(0);
        DeviceQueue queue = open();
        queue.pushUsed(popOne(queue), 16);
        queue.publishUsed();
        ring.offer(0);

        assertThat(popOne(queue).head()).isZero();
        assertThat(queue.isBroken()).isFalse();
    }

    // 2.7.5.3.1: "The driver MUST NOT set the VIRTQ_DESC_F_INDIRECT flag within an indirect descriptor".
    @Test
    void anIndirectDescriptorInsideAnIndirectTable_2_7_5_3_1_isNestedIndirect() throws Exception {
        MemorySegment inner = memory.at(TABLES + 0x100, 16);
        RingWriter.write(inner, 0, buffer(0), 16, 0, 0);
        MemorySegment outer = memory.at(TABLES, 16);
        RingWriter.write(outer, 0, TABLES + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
        ring.descriptor(0, TABLES, 16, VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.NESTED_INDIRECT);
    }

    // 2.7.5.3: an indirect table holds len/16 descriptors.
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 8, 15, 24, 17 * 16 + 1})
    void anIndirectTableWhoseLengthIsZeroOrNotAMultipleOf16_2_7_5_3_isBadLength(int length) throws Exception {
        MemorySegment table = memory.at(TABLES, 32 * 16);
        for (int i = 0; i < 32; i++) {
            RingWriter.write(table, i, buffer(i), 16, 0, 0);
        }
        ring.descriptor(0, TABLES, length, VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.INDIRECT_BAD_LENGTH);
    }

    // 2.7.5.3.1: "A driver MUST NOT create a descriptor chain longer than the Queue Size of the device."
    @Test
    void anIndirectTableLongerThanTheQueueSize_2_7_5_3_1_isBadLength() throws Exception {
        int entries = 2 * SIZE;
        MemorySegment table = memory.at(TABLES, entries * 16L);
        for (int i = 0; i < entries; i++) {
            boolean last = i == entries - 1;
            RingWriter.write(table, i, buffer(i), 16, last ? 0 : VIRTQ_DESC_F_NEXT, last ? 0 : i + 1);
        }
        ring.descriptor(0, TABLES, table.byteSize(), VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.INDIRECT_BAD_LENGTH);
    }

    @Test
    void anIndirectTableOfExactlyTheQueueSizeIsServed_2_7_5_3_1() throws Exception {
        MemorySegment table = memory.at(TABLES, SIZE * 16L);
        for (int i = 0; i < SIZE; i++) {
            boolean last = i == SIZE - 1;
            int flags = (i >= SIZE / 2 ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT);
            RingWriter.write(table, i, buffer(i), 16, flags, last ? 0 : i + 1);
        }
        ring.descriptor(0, TABLES, table.byteSize(), VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        DescriptorChain chain = popOne(open());

        assertThat(chain.readableCount()).isEqualTo(SIZE / 2);
        assertThat(chain.writableCount()).isEqualTo(SIZE / 2);
        assertThat(chain.descriptorCount()).as("the table plus the descriptor that points at it").isEqualTo(SIZE + 1);
        touchEverySegment(chain);
    }

    @Test
    void aLoopInsideAnIndirectTable_2_7_5_2_isChainLoop() throws Exception {
        MemorySegment table = memory.at(TABLES, 3 * 16);
        RingWriter.write(table, 0, buffer(0), 16, VIRTQ_DESC_F_NEXT, 1);
        RingWriter.write(table, 1, buffer(1), 16, VIRTQ_DESC_F_NEXT, 2);
        RingWriter.write(table, 2, buffer(2), 16, VIRTQ_DESC_F_NEXT, 1);
        ring.descriptor(0, TABLES, table.byteSize(), VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.CHAIN_LOOP);
    }

    // 2.7.5.3.1: "A driver MUST NOT set both VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT in flags."
    @Test
    void indirectTogetherWithNext_2_7_5_3_1_isIndirectWithNext() throws Exception {
        MemorySegment table = memory.at(TABLES, 16);
        RingWriter.write(table, 0, buffer(0), 16, 0, 0);
        ring.descriptor(0, TABLES, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1)
                .descriptor(1, buffer(1), 16, 0, 0)
                .offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.INDIRECT_WITH_NEXT);
    }

    // 2.7.5.3.1: "The driver MUST NOT set the VIRTQ_DESC_F_INDIRECT flag unless the
    // VIRTIO_F_INDIRECT_DESC feature was negotiated."
    @Test
    void indirectWithoutTheFeature_2_7_5_3_1_isIndirectNotNegotiated() throws Exception {
        MemorySegment table = memory.at(TABLES, 16);
        RingWriter.write(table, 0, buffer(0), 16, 0, 0);
        ring.descriptor(0, TABLES, 16, VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        DeviceQueue queue = ring.openDevice(memory.memory(), VirtioFeatures.of(VirtioFeatures.RING_EVENT_IDX), 0);

        popExpectingBreak(queue, 0, VirtqueueError.INDIRECT_NOT_NEGOTIATED);
    }

    /** Buffers that are not guest memory: in a gap, past an edge, across adjacent regions. */
    @ParameterizedTest
    @ValueSource(strings = {
            "in the gap after the data region:0x210000:16",
            "last byte of the data region plus one:0x20ffff:2",
            "one byte before the data region:0x1fffff:2",
            "the whole data region plus one:0x200000:0x10001",
            "across two adjacent regions:0x300ff8:16",
            "a 4 GiB length at a valid address:0x200000:0xfffffff0",
            "address zero:0x0:1"})
    void aBufferOutsideGuestMemory_2_7_5_isBufferOutsideMemory(String scenario) throws Exception {
        String[] parts = scenario.split(":");
        long address = Long.decode(parts[1]);
        long length = Long.decode(parts[2]);
        ring.descriptor(0, buffer(0), 16, VIRTQ_DESC_F_NEXT, 1)
                .descriptor(1, address, length, VIRTQ_DESC_F_WRITE, 0)
                .offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.BUFFER_OUTSIDE_MEMORY);
    }

    @Test
    void anIndirectTableOutsideGuestMemory_2_7_5_3_isBufferOutsideMemory() throws Exception {
        ring.descriptor(0, DATA + DATA_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.BUFFER_OUTSIDE_MEMORY);
    }

    @Test
    void aBufferThatWrapsTheAddressSpace_2_7_5_isBufferOutsideMemory() throws Exception {
        ring.descriptor(0, -16L, 32, VIRTQ_DESC_F_WRITE, 0).offer(0);

        VirtqueueException failure = popExpectingBreak(open(), 0, VirtqueueError.BUFFER_OUTSIDE_MEMORY);

        assertThat(failure.getCause()).isInstanceOf(GuestMemoryException.class);
        assertThat(((GuestMemoryException) failure.getCause()).reason()).isEqualTo(GuestMemoryException.Reason.WRAPS);
    }

    @Test
    void aBufferEndingOnTheLastByteOfARegionIsServed() throws Exception {
        ring.descriptor(0, DATA + DATA_SIZE - 16, 16, VIRTQ_DESC_F_WRITE, 0).offer(0);

        DescriptorChain chain = popOne(open());

        assertThat(chain.writableLength()).isEqualTo(16);
        touchEverySegment(chain);
    }

    // 2.7.5.2: "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total".
    @Test
    void aChainOfMoreThan2To32Bytes_2_7_5_2_isChainTooLarge() throws Exception {
        try (GuardedMemory big = bigMemory()) {
            RingWriter bigRing = RingWriter.at(big, 512, RING);
            int descriptors = (int) ((1L << 32) / BIG_BUFFER) + 1;
            for (int i = 0; i < descriptors; i++) {
                boolean last = i == descriptors - 1;
                bigRing.descriptor(i, DATA, BIG_BUFFER, last ? 0 : VIRTQ_DESC_F_NEXT, last ? 0 : i + 1);
            }
            bigRing.offer(0);
            DeviceQueue queue = bigRing.openDevice(big.memory(), FEATURES, 0);

            assertThat(queue.pop(out, 1)).isZero();
            assertThat(queue.failure().error()).isEqualTo(VirtqueueError.CHAIN_TOO_LARGE);
            assertThat(queue.pop(out, 1)).isZero();
            assertThat(queue.enableNotification()).isFalse();
            big.assertCanariesIntact();
        }
    }

    @Test
    void aChainOfExactly2To32BytesIsServed_2_7_5_2() throws Exception {
        try (GuardedMemory big = bigMemory()) {
            RingWriter bigRing = RingWriter.at(big, 512, RING);
            int descriptors = (int) ((1L << 32) / BIG_BUFFER);
            for (int i = 0; i < descriptors; i++) {
                boolean last = i == descriptors - 1;
                bigRing.descriptor(i, DATA, BIG_BUFFER, last ? 0 : VIRTQ_DESC_F_NEXT, last ? 0 : i + 1);
            }
            bigRing.offer(0);
            DeviceQueue queue = bigRing.openDevice(big.memory(), FEATURES, 0);

            assertThat(queue.pop(out, 1)).as("failure=%s", queue.failure()).isEqualTo(1);
            assertThat(out[0].readableLength()).isEqualTo(1L << 32);
            big.assertCanariesIntact();
        }
    }

    private static final long BIG_BUFFER = 16L << 20;

    private static GuardedMemory bigMemory() {
        return GuardedMemory.of(RING, 0x1_0000L, DATA, BIG_BUFFER);
    }

    // 2.7.4.2 (via 2.7.4): device-writable buffers follow all device-readable ones.
    @Test
    void aReadableDescriptorAfterAWritableOne_2_7_4_2_isReadableAfterWritable() throws Exception {
        ring.descriptor(0, buffer(0), 16, VIRTQ_DESC_F_NEXT, 1)
                .descriptor(1, buffer(1), 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2)
                .descriptor(2, buffer(2), 16, 0, 0)
                .offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.READABLE_AFTER_WRITABLE);
    }

    @Test
    void aReadableDescriptorAfterAWritableOneInAnIndirectTable_2_7_4_2_isReadableAfterWritable() throws Exception {
        MemorySegment table = memory.at(TABLES, 2 * 16);
        RingWriter.write(table, 0, buffer(0), 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
        RingWriter.write(table, 1, buffer(1), 16, 0, 0);
        ring.descriptor(0, TABLES, table.byteSize(), VIRTQ_DESC_F_INDIRECT, 0).offer(0);

        popExpectingBreak(open(), 0, VirtqueueError.READABLE_AFTER_WRITABLE);
    }

    // 2.7.6: idx counts entries added to ring[], which holds Queue Size entries, so the driver can
    // never be more than Queue Size ahead of the device.
    @ParameterizedTest
    @ValueSource(ints = {SIZE + 1, 0x8000, 0xffff})
    void anAvailIndexMoreThanTheQueueSizeAhead_2_7_6_isAvailIndexTooFar(int ahead) throws Exception {
        for (int i = 0; i < SIZE; i++) {
            ring.descriptor(i, buffer(i), 16, 0, 0);
        }
        ring.offer(0, 1, 2, 3, 4, 5, 6, 7).availIndex(ahead);

        popExpectingBreak(open(), 0, VirtqueueError.AVAIL_INDEX_TOO_FAR);
    }

    @Test
    void anAvailIndexExactlyTheQueueSizeAheadAcrossTheWrapIsServed_2_7_6() throws Exception {
        int start = 0xffff - 2;
        for (int i = 0; i < SIZE; i++) {
            ring.descriptor(i, buffer(i), 16, VIRTQ_DESC_F_WRITE, 0);
        }
        ring.availIndex(start).usedIndex(start).offer(7, 6, 5, 4, 3, 2, 1, 0);
        DeviceQueue queue = ring.openDevice(memory.memory(), FEATURES, start);

        int popped = queue.pop(out, out.length);

        assertThat(popped).as("failure=%s", queue.failure()).isEqualTo(SIZE);
        for (int i = 0; i < SIZE; i++) {
            assertThat(out[i].head()).isEqualTo(SIZE - 1 - i);
        }
        assertThat(queue.nextAvailIndex()).isEqualTo((start + SIZE) & 0xffff);
    }

    @Test
    void aValidChainBeforeAViolationIsDeliveredAndNothingAfterIt() throws Exception {
        ring.descriptor(0, buffer(0), 16, VIRTQ_DESC_F_WRITE, 0)
                .descriptor(1, buffer(1), 16, VIRTQ_DESC_F_NEXT, 1)
                .descriptor(2, buffer(2), 16, 0, 0)
                .offer(0, 1, 2);

        popExpectingBreak(open(), 1, VirtqueueError.CHAIN_LOOP);

        assertThat(out[0].head()).isZero();
    }

    // 2.7 "Virtqueue Part Alignment" and "Queue Size": checked when the queue is opened.
    @Test
    void ringsThatAreMisalignedOutsideMemoryOrOfAnInvalidSize_2_7_areInvalidRing() {
        long avail = RING + 0x1000;
        long used = RING + 0x2000;
        assertInvalidRing(3, RING, avail, used);
        assertInvalidRing(0, RING, avail, used);
        assertInvalidRing(65536, RING, avail, used);
        assertInvalidRing(SIZE, RING + 8, avail, used);
        assertInvalidRing(SIZE, RING, avail + 1, used);
        assertInvalidRing(SIZE, RING, avail, used + 2);
        assertInvalidRing(SIZE, DATA + DATA_SIZE - 16, avail, used);
        assertInvalidRing(SIZE, RING, avail, 0x90_0000L);
        memory.assertCanariesIntact();
    }

    private void assertInvalidRing(int size, long desc, long avail, long used) {
        assertThatThrownBy(() -> DeviceQueue.openGuestPhysical(size, memory.memory(), desc, avail, used, FEATURES, 0))
                .isInstanceOf(VirtqueueException.class)
                .extracting(e -> ((VirtqueueException) e).error())
                .isEqualTo(VirtqueueError.INVALID_RING);
    }
}
