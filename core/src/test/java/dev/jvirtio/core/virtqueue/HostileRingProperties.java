package dev.jvirtio.core.virtqueue;

import static dev.jvirtio.core.virtqueue.SplitRingLayout.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jvirtio.core.device.QueueDrain;
import dev.jvirtio.core.device.QueueStats;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.memory.MemoryRegion;
import dev.jvirtio.core.testkit.QueuePair;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * A driver that turns hostile: it starts from a valid ring, then scribbles over descriptor tables
 * (direct and indirect), flags, lengths, next fields, available ring entries and avail->idx between
 * the device's steps, and sometimes restarts the device at an arbitrary ring position. Whatever it
 * writes, the device must never throw, never hang, never touch memory outside the guest's (canaries
 * fence it), and every chain it serves must be one that the rules allow, with the very buffers the
 * descriptors name; once it refuses a chain it stays stopped with a typed error.
 *
 * <p>A small reference walker, written from the spec independently of {@link DeviceQueue}, decides
 * whether each chain is valid and which buffers it names.
 */
class HostileRingProperties {

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_INDIRECT = 4;
    private static final long DATA_BYTES = 1 << 16;
    private static final int STEPS = 60;

    @Property(tries = 300)
    void aMutatedRingNeverEscapesNeverHangsAndEitherServesValidChainsOrStopsWithATypedError(
            @ForAll @IntRange(min = 0, max = 6) int exponent,
            @ForAll boolean eventIdx,
            @ForAll boolean indirect,
            @ForAll long seed) {
        long features = (eventIdx ? VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX) : 0)
                | (indirect ? VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC) : 0);
        Attack attack = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (QueuePair pair = QueuePair.create(1 << exponent, features, MAX_INDIRECT, DATA_BYTES)) {
                Attack a = new Attack(pair, new SplittableRandom(seed), indirect);
                a.run();
                return a;
            }
        }, "the device hung on a hostile ring");
        Statistics.label("chains served").collect(attack.served == 0 ? "0" : attack.served < 10 ? "1-9" : "10+");
        Statistics.label("errors met").collect(attack.errors.isEmpty() ? "none" : attack.errors.size() == 1 ? "one kind" : "several kinds");
        attack.errors.forEach(error -> Statistics.label("error").collect(error));
    }

    private static final class Attack {

        private final QueuePair pair;
        private final SplittableRandom random;
        private final boolean indirectNegotiated;
        private final int size;
        private final MemorySegment ringArea;
        private final long ringBytes;
        private final long indirectStart;
        private final MemorySegment desc;
        private final MemorySegment avail;
        private final List<DescriptorChain> held = new ArrayList<>();
        private final Set<Integer> heldHeads = new HashSet<>();
        private final DescriptorChain[] batch;
        private final QueueDrain drain = new QueueDrain(4, new QueueStats());
        private final Set<VirtqueueError> errors = new HashSet<>();
        private int served;

        Attack(QueuePair pair, SplittableRandom random, boolean indirectNegotiated) {
            this.pair = pair;
            this.random = random;
            this.indirectNegotiated = indirectNegotiated;
            this.size = pair.driver().size();
            this.ringArea = pair.memory().segment(0);
            this.ringBytes = DriverQueue.requiredBytes(size, MAX_INDIRECT);
            this.indirectStart = ringBytes - (long) size * MAX_INDIRECT * DESC_SIZE;
            this.desc = pair.at(pair.driver().descriptorTableAddress(), descriptorTableSize(size));
            this.avail = pair.at(pair.driver().availRingAddress(), availRingSize(size));
            this.batch = new DescriptorChain[size];
        }

        void run() {
            fillWithValidChains();
            for (int step = 0; step < STEPS; step++) {
                if (pair.device().isBroken()) {
                    errors.add(pair.device().failure().error());
                    if (random.nextInt(4) == 0) {
                        restartDevice();
                    }
                }
                int action = random.nextInt(10);
                if (action < 4) {
                    mutate();
                } else if (action < 7) {
                    pop();
                } else if (action < 8) {
                    pushSome();
                } else if (action < 9) {
                    drainQueue();
                } else {
                    toggleNotifications();
                }
                checkInvariants();
            }
        }

        private void fillWithValidChains() {
            DriverQueue driver = pair.driver();
            while (driver.freeDescriptors() > 0 && random.nextInt(8) != 0) {
                int n = 1 + random.nextInt(Math.min(driver.freeDescriptors(), 6));
                long[] addresses = new long[n];
                int[] lengths = new int[n];
                for (int i = 0; i < n; i++) {
                    lengths[i] = 1 + random.nextInt(64);
                    addresses[i] = pair.allocate(lengths[i]);
                }
                int readable = random.nextInt(n + 1);
                assertThat(driver.add(addresses, lengths, readable, n - readable, random.nextBoolean())).isNotNegative();
            }
            driver.publish();
        }

        // ---- the hostile driver

        private void mutate() {
            switch (random.nextInt(8)) {
                case 0 -> desc.set(LE_LONG, descriptorOffset(random.nextInt(size)) + DESC_ADDR, address());
                case 1 -> desc.set(LE_INT, descriptorOffset(random.nextInt(size)) + DESC_LEN, (int) length());
                case 2 -> desc.set(LE_SHORT, descriptorOffset(random.nextInt(size)) + DESC_FLAGS, (short) flags());
                case 3 -> desc.set(LE_SHORT, descriptorOffset(random.nextInt(size)) + DESC_NEXT, (short) index());
                case 4 -> mutateIndirectTable();
                case 5 -> avail.set(LE_SHORT, availElementOffset(random.nextInt(size)), (short) index());
                case 6 -> avail.set(LE_SHORT, AVAIL_IDX, (short) availIndex());
                default -> {
                    if (random.nextInt(4) == 0) {
                        restartDevice();
                    } else {
                        ringArea.set(ValueLayout.JAVA_BYTE, random.nextLong(ringBytes), (byte) random.nextInt(256));
                    }
                }
            }
        }

        private void mutateIndirectTable() {
            long entry = indirectStart + DESC_SIZE * random.nextLong((long) size * MAX_INDIRECT);
            switch (random.nextInt(4)) {
                case 0 -> ringArea.set(LE_LONG, entry + DESC_ADDR, address());
                case 1 -> ringArea.set(LE_INT, entry + DESC_LEN, (int) length());
                case 2 -> ringArea.set(LE_SHORT, entry + DESC_FLAGS, (short) flags());
                default -> ringArea.set(LE_SHORT, entry + DESC_NEXT, (short) random.nextInt(MAX_INDIRECT + 2));
            }
        }

        private long address() {
            long data = QueuePair.DATA_BASE;
            long ring = QueuePair.RING_BASE;
            return switch (random.nextInt(9)) {
                case 0 -> data + random.nextLong(DATA_BYTES);
                case 1 -> data + DATA_BYTES - random.nextInt(1, 64);
                case 2 -> data - random.nextInt(1, 64);
                case 3 -> ring + random.nextLong(ringBytes);
                case 4 -> ring + indirectStart + DESC_SIZE * random.nextLong((long) size * MAX_INDIRECT);
                case 5 -> -random.nextInt(1, 64);
                case 6 -> 0;
                case 7 -> random.nextLong();
                default -> data + random.nextInt(64);
            };
        }

        private long length() {
            return switch (random.nextInt(7)) {
                case 0 -> 0;
                case 1 -> 1 + random.nextInt(64);
                case 2 -> DESC_SIZE * (1 + random.nextInt(size + 2));
                case 3 -> DESC_SIZE * random.nextInt(1, 8) + random.nextInt(1, 16);
                case 4 -> 0xffff_ffffL;
                case 5 -> 0x8000_0000L;
                default -> Integer.toUnsignedLong(random.nextInt());
            };
        }

        private int flags() {
            return random.nextInt(8) == 0 ? random.nextInt(0x10000) : random.nextInt(8);
        }

        private int index() {
            return switch (random.nextInt(5)) {
                case 0 -> size + random.nextInt(2);
                case 1 -> 0xffff;
                default -> random.nextInt(size);
            };
        }

        private int availIndex() {
            int next = pair.device().nextAvailIndex();
            return switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x10000);
                case 1 -> next + size + 1 + random.nextInt(size + 1);
                default -> next + random.nextInt(size + 1);
            } & 0xffff;
        }

        /** A stop and a start at some ring position (vhost-user GET_VRING_BASE, SET_VRING_BASE). */
        private void restartDevice() {
            held.clear();
            heldHeads.clear();
            int availIdx = Short.toUnsignedInt(avail.get(LE_SHORT, AVAIL_IDX));
            int base = random.nextBoolean() ? random.nextInt(0x10000) : (availIdx - random.nextInt(size + 1)) & 0xffff;
            pair.reopenDevice(base);
        }

        // ---- the device

        private void pop() {
            DeviceQueue device = pair.device();
            boolean brokenBefore = device.isBroken();
            int next = device.nextAvailIndex();
            int availIdx = Short.toUnsignedInt(avail.get(LE_SHORT, AVAIL_IDX));
            int pending = (availIdx - next) & 0xffff;
            int max = 1 + random.nextInt(size);

            int popped = device.pop(batch, max);

            if (brokenBefore) {
                assertThat(popped).as("pop on a broken queue").isZero();
                return;
            }
            for (int i = 0; i < popped; i++) {
                int head = ringEntry(next + i);
                List<long[]> expected = walk(head);
                assertThat(expected).as("device served head %d, which the rules refuse", head).isNotNull();
                checkServed(batch[i], head, expected);
                heldHeads.add(head);
                held.add(batch[i]);
                served++;
            }
            checkRefusal(device, next, pending, max, popped);
            // Only now write: a chain's buffers may cover the rings the checks above read.
            for (int i = 0; i < popped; i++) {
                touch(batch[i]);
            }
        }

        private void checkRefusal(DeviceQueue device, int next, int pending, int max, int popped) {
            if (device.isBroken()) {
                VirtqueueError error = device.failure().error();
                assertThat(error).isNotNull();
                if (pending > size) {
                    assertThat(error).isEqualTo(VirtqueueError.AVAIL_INDEX_TOO_FAR);
                } else {
                    assertThat(popped).isLessThan(Math.min(pending, max));
                    assertThat(walk(ringEntry(next + popped))).as("head refused with %s", error).isNull();
                }
            } else {
                assertThat(pending).isLessThanOrEqualTo(size);
                assertThat(popped).isEqualTo(Math.min(pending, max));
            }
        }

        private int ringEntry(int availIndex) {
            return Short.toUnsignedInt(avail.get(LE_SHORT, availElementOffset(availIndex & (size - 1))));
        }

        private void checkServed(DescriptorChain chain, int head, List<long[]> expected) {
            assertThat(chain.head()).isEqualTo(head);
            List<MemorySegment> segments = new ArrayList<>();
            for (int i = 0; i < chain.readableCount(); i++) {
                segments.add(chain.readable(i));
            }
            for (int i = 0; i < chain.writableCount(); i++) {
                segments.add(chain.writable(i));
            }
            assertThat(segments).hasSize(expected.size());
            long total = 0;
            for (int i = 0; i < segments.size(); i++) {
                MemorySegment segment = segments.get(i);
                long[] buffer = expected.get(i);
                assertThat(pair.memory().contains(segment)).as("segment inside guest memory").isTrue();
                assertThat(segment.byteSize()).isEqualTo(buffer[1]);
                assertThat(i < chain.readableCount()).as("segment %d readable", i).isEqualTo(buffer[2] == 0);
                if (buffer[1] > 0) {
                    assertThat(segment.address()).isEqualTo(hostAddress(buffer[0]));
                }
                total += segment.byteSize();
            }
            assertThat(total).isLessThanOrEqualTo(1L << 32);
        }

        /** What a device does with a chain: read all of it, write all of it. */
        private void touch(DescriptorChain chain) {
            MemorySegment sink = MemorySegment.ofArray(new byte[4096]);
            for (long offset = 0; offset < chain.readableLength(); offset += sink.byteSize()) {
                chain.readFrom(offset, sink);
            }
            for (int i = 0; i < chain.writableCount(); i++) {
                chain.writable(i).fill((byte) 0x5a);
            }
        }

        private void pushSome() {
            DeviceQueue device = pair.device();
            int count = held.isEmpty() ? 0 : 1 + random.nextInt(held.size());
            for (int i = 0; i < count; i++) {
                DescriptorChain chain = held.remove(random.nextInt(held.size()));
                heldHeads.remove(chain.head());
                device.pushUsed(chain, Math.min(chain.writableLength(), random.nextInt(256)));
            }
            device.publishUsed();
            device.needsNotification();
        }

        private void drainQueue() {
            List<DescriptorChain> batchServed = new ArrayList<>();
            RequestProcessor processor = new RequestProcessor() {
                @Override
                public long process(DescriptorChain chain) {
                    assertThat(heldHeads).doesNotContain(chain.head());
                    List<long[]> expected = walk(chain.head());
                    assertThat(expected).as("drain served head %d, which the rules refuse", chain.head()).isNotNull();
                    checkServed(chain, chain.head(), expected);
                    batchServed.add(chain);
                    served++;
                    return Math.min(chain.writableLength(), 1);
                }

                @Override
                public void endBatch() {
                    // Write once the whole batch is checked: buffers may cover the rings.
                    batchServed.forEach(Attack.this::touch);
                    batchServed.clear();
                }
            };
            drain.drain(pair.device(), processor, () -> { });
        }

        private void toggleNotifications() {
            if (random.nextBoolean()) {
                pair.device().enableNotification();
            } else {
                pair.device().disableNotification();
            }
        }

        private void checkInvariants() {
            pair.memory().assertCanariesIntact();
            DeviceQueue device = pair.device();
            if (device.isBroken()) {
                assertThat(device.failure().error()).isNotNull();
                assertThat(device.pop(batch, size)).isZero();
                assertThat(device.enableNotification()).isFalse();
            }
        }

        // ---- the reference walker (2.7.4, 2.7.5, 2.7.5.2, 2.7.5.3, 2.7.6, 2.7.13.1)

        /**
         * The buffers of the chain at {@code head} as (guest address, length, 1 if writable), or
         * null if any rule refuses it.
         */
        private List<long[]> walk(int head) {
            if (head >= size || heldHeads.contains(head)) {
                return null;
            }
            MemorySegment table = desc;
            long entries = size;
            long index = head;
            long visited = 0;
            boolean inIndirect = false;
            boolean writableSeen = false;
            long total = 0;
            List<long[]> buffers = new ArrayList<>();
            while (true) {
                if (index >= entries || ++visited > entries) {
                    return null;
                }
                long off = index * DESC_SIZE;
                long addr = table.get(LE_LONG, off);
                long len = Integer.toUnsignedLong(table.get(LE_INT, off + 8));
                int flags = Short.toUnsignedInt(table.get(LE_SHORT, off + 12));
                int next = Short.toUnsignedInt(table.get(LE_SHORT, off + 14));
                if ((flags & 4) != 0) {
                    if (!indirectNegotiated || inIndirect || (flags & 1) != 0
                            || len == 0 || len % DESC_SIZE != 0 || len / DESC_SIZE > size) {
                        return null;
                    }
                    MemorySegment host = hostSlice(addr, len);
                    if (host == null) {
                        return null;
                    }
                    table = host;
                    entries = len / DESC_SIZE;
                    index = 0;
                    visited = 0;
                    inIndirect = true;
                    continue;
                }
                boolean writable = (flags & 2) != 0;
                if (writableSeen && !writable) {
                    return null;
                }
                writableSeen |= writable;
                total += len;
                if (total > 1L << 32 || (len > 0 && hostSlice(addr, len) == null)) {
                    return null;
                }
                buffers.add(new long[] {addr, len, writable ? 1 : 0});
                if ((flags & 1) == 0) {
                    return buffers;
                }
                index = next;
            }
        }

        private MemorySegment hostSlice(long addr, long len) {
            for (int i = 0; i < 2; i++) {
                MemoryRegion r = pair.memory().region(i);
                long offset = addr - r.guestPhysicalAddress();
                if (Long.compareUnsigned(addr, r.guestPhysicalAddress()) >= 0
                        && Long.compareUnsigned(offset, r.size()) < 0 && len <= r.size() - offset) {
                    return r.segment().asSlice(offset, len);
                }
            }
            return null;
        }

        private long hostAddress(long addr) {
            return hostSlice(addr, 1).address();
        }
    }
}
