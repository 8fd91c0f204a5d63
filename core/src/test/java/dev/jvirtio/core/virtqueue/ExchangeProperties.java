package dev.jvirtio.core.virtqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.testkit.QueuePair;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A driver and a device exchange random chains over one split ring: 1 to queue-size descriptors,
 * direct and indirect mixed, every power-of-two queue size from 1 to 32768, starting anywhere in
 * the 16-bit index space (the device is reopened there as after a vhost-user SET_VRING_BASE), with
 * and without EVENT_IDX. The device answers each chain with its readable bytes followed by their
 * CRC32C, cut to the writable space, and pushes chains back in random order; the driver checks
 * every byte, every used length, and that no buffer byte beyond the used length changed.
 */
class ExchangeProperties {

    private static final int MAX_INDIRECT = 16;
    private static final int ROUNDS = 5;

    @Property(tries = 48)
    void driverAndDeviceAgreeOnEveryByteAndEveryUsedLength(
            @ForAll @IntRange(min = 0, max = 15) int exponent,
            @ForAll boolean eventIdx,
            @ForAll boolean indirect,
            @ForAll("startIndices") int startIndex,
            @ForAll long seed) throws Exception {
        int size = 1 << exponent;
        long features = (eventIdx ? VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX) : 0)
                | (indirect ? VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC) : 0);
        int maxLength = size >= 4096 ? 16 : 64;
        long data = 2L * size * (maxLength + 8) + 4096;
        try (QueuePair pair = QueuePair.create(size, features, MAX_INDIRECT, data)) {
            new Exchange(pair, new SplittableRandom(seed), maxLength, eventIdx, indirect).run(startIndex);
        }
    }

    /** Anywhere in the index space, often just short of the wrap. */
    @Provide
    Arbitrary<Integer> startIndices() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 0xffff),
                Arbitraries.integers().between(0x10000 - 64, 0xffff));
    }

    /** What the driver put in one chain, to check the device's view and its answer against. */
    private record Sent(int head, long[] addresses, int[] lengths, int readable, boolean indirect,
                        byte[] request, byte pattern) {

        int descriptors() {
            return lengths.length;
        }

        long readableLength() {
            return request.length;
        }

        long writableLength() {
            long total = 0;
            for (int i = readable; i < lengths.length; i++) {
                total += lengths[i];
            }
            return total;
        }
    }

    private static final class Exchange {

        private final QueuePair pair;
        private final SplittableRandom random;
        private final int maxLength;
        private final boolean eventIdx;
        private final boolean indirectNegotiated;
        private final int size;
        private final Map<Integer, Sent> inFlight = new HashMap<>();
        private final List<DescriptorChain> held = new ArrayList<>();
        private final DescriptorChain[] batch;
        private final int[] heads;
        private final int[] lengths;

        Exchange(QueuePair pair, SplittableRandom random, int maxLength, boolean eventIdx, boolean indirect) {
            this.pair = pair;
            this.random = random;
            this.maxLength = maxLength;
            this.eventIdx = eventIdx;
            this.indirectNegotiated = indirect;
            this.size = pair.driver().size();
            this.batch = new DescriptorChain[size];
            this.heads = new int[size];
            this.lengths = new int[size];
        }

        void run(int startIndex) throws Exception {
            pair.pump(startIndex);
            DeviceQueue restored = pair.reopenDevice(pair.device().nextAvailIndex());
            assertThat(restored.nextAvailIndex()).isEqualTo(startIndex & 0xffff);
            assertThat(restored.nextUsedIndex()).isEqualTo(startIndex & 0xffff);
            for (int round = 0; round < ROUNDS; round++) {
                round();
            }
        }

        private void round() throws Exception {
            DriverQueue driver = pair.driver();
            DeviceQueue device = pair.device();
            boolean deviceWantsKicks = random.nextBoolean();
            if (deviceWantsKicks) {
                assertThat(device.enableNotification()).as("work on an empty ring").isFalse();
            } else {
                device.disableNotification();
            }
            boolean driverWantsInterrupts = random.nextBoolean();
            if (driverWantsInterrupts) {
                assertThat(driver.enableInterrupts()).as("used elements on an empty ring").isFalse();
            } else {
                driver.disableInterrupts();
            }

            addChains();
            driver.publish();
            boolean kick = driver.kickNeeded();
            if (deviceWantsKicks) {
                assertThat(kick).as("kick after the device asked for one").isTrue();
            } else if (!eventIdx) {
                assertThat(kick).as("kick while the device set NO_NOTIFY").isFalse();
            }

            boolean firstPublish = true;
            for (int step = 0; !inFlight.isEmpty(); step++) {
                assertThat(step).as("steps to exchange one round").isLessThan(1_000_000);
                switch (random.nextInt(3)) {
                    case 0 -> pop(device);
                    case 1 -> {
                        if (!held.isEmpty()) {
                            pushSome(device);
                            boolean notify = device.needsNotification();
                            if (firstPublish && driverWantsInterrupts) {
                                assertThat(notify).as("notification the driver asked for").isTrue();
                            } else if (firstPublish && !eventIdx) {
                                assertThat(notify).as("notification while the driver set NO_INTERRUPT").isFalse();
                            }
                            firstPublish = false;
                        }
                    }
                    default -> reap(driver);
                }
            }
            assertThat(held).isEmpty();
            assertThat(device.pendingCount()).isZero();
            assertThat(device.isBroken()).as("broken: %s", device.failure()).isFalse();
            assertThat(driver.freeDescriptors()).isEqualTo(size);
            pair.resetData();
            pair.memory().assertCanariesIntact();
        }

        private void addChains() {
            DriverQueue driver = pair.driver();
            int chains = 1 + random.nextInt(size);
            for (int c = 0; c < chains && driver.freeDescriptors() > 0; c++) {
                int free = driver.freeDescriptors();
                boolean preferIndirect = random.nextBoolean();
                int limit = preferIndirect && indirectNegotiated ? Math.max(free, Math.min(size, MAX_INDIRECT)) : free;
                int n = random.nextInt(8) == 0 ? 1 + random.nextInt(limit) : 1 + random.nextInt(Math.min(limit, 8));
                if (pair.remaining() < (long) n * (maxLength + 8)) {
                    break;
                }
                int readable = random.nextInt(n + 1);
                long[] addresses = new long[n];
                int[] bufferLengths = new int[n];
                byte pattern = (byte) random.nextInt(256);
                ByteBuffer request = ByteBuffer.allocate(n * maxLength);
                for (int i = 0; i < n; i++) {
                    bufferLengths[i] = random.nextInt(16) == 0 ? 0 : 1 + random.nextInt(maxLength);
                    addresses[i] = pair.allocate(bufferLengths[i]);
                    MemorySegment buffer = pair.at(addresses[i], bufferLengths[i]);
                    if (i < readable) {
                        byte[] bytes = new byte[bufferLengths[i]];
                        random.nextBytes(bytes);
                        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
                        request.put(bytes);
                    } else {
                        buffer.fill(pattern);
                    }
                }
                int head = driver.add(addresses, bufferLengths, readable, n - readable, preferIndirect);
                if (head < 0) {
                    assertThat(n).as("only a direct chain longer than the free descriptors is refused").isGreaterThan(free);
                    continue;
                }
                boolean indirect = free - driver.freeDescriptors() == 1 && n > 1;
                assertThat(inFlight).doesNotContainKey(head);
                inFlight.put(head, new Sent(head, addresses, bufferLengths, readable, indirect,
                        Arrays.copyOf(request.array(), request.position()), pattern));
            }
            assertThat(inFlight).as("chains added this round").isNotEmpty();
        }

        private void pop(DeviceQueue device) {
            int popped = device.pop(batch, 1 + random.nextInt(size));
            assertThat(device.isBroken()).as("broken: %s", device.failure()).isFalse();
            for (int i = 0; i < popped; i++) {
                DescriptorChain chain = batch[i];
                Sent sent = inFlight.get(chain.head());
                assertThat(sent).as("popped head %d", chain.head()).isNotNull();
                assertThat(held).doesNotContain(chain);
                checkDeviceView(chain, sent);
                held.add(chain);
            }
        }

        /** The device sees exactly the driver's buffers, in order, each inside guest memory. */
        private void checkDeviceView(DescriptorChain chain, Sent sent) {
            assertThat(chain.readableCount()).isEqualTo(sent.readable());
            assertThat(chain.writableCount()).isEqualTo(sent.descriptors() - sent.readable());
            assertThat(chain.descriptorCount()).isEqualTo(sent.descriptors() + (sent.indirect() ? 1 : 0));
            assertThat(chain.readableLength()).isEqualTo(sent.readableLength());
            assertThat(chain.writableLength()).isEqualTo(sent.writableLength());
            for (int i = 0; i < sent.descriptors(); i++) {
                MemorySegment segment = i < sent.readable() ? chain.readable(i) : chain.writable(i - sent.readable());
                assertThat(segment.byteSize()).isEqualTo(sent.lengths()[i]);
                assertThat(pair.memory().contains(segment)).isTrue();
                if (sent.lengths()[i] > 0) {
                    assertThat(segment.address()).isEqualTo(pair.at(sent.addresses()[i], sent.lengths()[i]).address());
                }
            }
        }

        private void pushSome(DeviceQueue device) {
            int count = 1 + random.nextInt(held.size());
            for (int i = 0; i < count; i++) {
                DescriptorChain chain = held.remove(random.nextInt(held.size()));
                device.pushUsed(chain, answer(chain));
            }
            device.publishUsed();
        }

        /** The device's work: the readable bytes and their CRC32C, cut to the writable space. */
        private static long answer(DescriptorChain chain) {
            byte[] request = new byte[(int) chain.readableLength()];
            chain.readFrom(0, MemorySegment.ofArray(request));
            return chain.writeTo(0, MemorySegment.ofArray(reply(request)));
        }

        private static byte[] reply(byte[] request) {
            CRC32C crc = new CRC32C();
            crc.update(request);
            return ByteBuffer.allocate(request.length + 8).order(ByteOrder.LITTLE_ENDIAN)
                    .put(request).putLong(crc.getValue()).array();
        }

        private void reap(DriverQueue driver) throws VirtqueueException {
            int reaped = driver.reap(heads, lengths, 1 + random.nextInt(size));
            for (int i = 0; i < reaped; i++) {
                Sent sent = inFlight.remove(heads[i]);
                assertThat(sent).as("used id %d", heads[i]).isNotNull();
                checkAnswer(sent, Integer.toUnsignedLong(lengths[i]));
            }
        }

        /** Every written byte is the expected reply, every byte past it kept its pattern, requests unchanged. */
        private void checkAnswer(Sent sent, long usedLength) {
            byte[] expected = reply(sent.request());
            long writable = sent.writableLength();
            assertThat(usedLength).as("used length of head %d", sent.head()).isEqualTo(Math.min(writable, expected.length));
            long stream = 0;
            int requestOffset = 0;
            for (int i = 0; i < sent.descriptors(); i++) {
                byte[] actual = pair.at(sent.addresses()[i], sent.lengths()[i]).toArray(ValueLayout.JAVA_BYTE);
                if (i < sent.readable()) {
                    assertThat(actual).as("request buffer %d of head %d", i, sent.head())
                            .isEqualTo(Arrays.copyOfRange(sent.request(), requestOffset, requestOffset + actual.length));
                    requestOffset += actual.length;
                    continue;
                }
                for (int b = 0; b < actual.length; b++, stream++) {
                    byte want = stream < usedLength ? expected[(int) stream] : sent.pattern();
                    if (actual[b] != want) {
                        throw new AssertionError("head " + sent.head() + " writable byte " + stream + " is "
                                + actual[b] + ", expected " + want + " (used length " + usedLength + ")");
                    }
                }
            }
        }
    }
}
