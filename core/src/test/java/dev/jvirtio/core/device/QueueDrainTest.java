package dev.jvirtio.core.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.core.testkit.QueuePair;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.VirtqueueError;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The batch loop that serves a queue after a kick: what it serves, how it batches, what it counts. */
class QueueDrainTest {

    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long EVENT_IDX = VirtioFeatures.of(VirtioFeatures.RING_EVENT_IDX);
    private static final long FLAGS_ONLY = 0;
    private static final int SIZE = 64;

    private QueuePair pair;
    /** Request payload by head, for the chains in flight. */
    private final Map<Integer, Long> requests = new HashMap<>();
    /** Reply buffer address by head. */
    private final Map<Integer, Long> replies = new HashMap<>();

    @AfterEach
    void freeMemory() {
        if (pair != null) {
            pair.close();
        }
    }

    private static long reply(long request) {
        return Long.rotateLeft(request, 17) ^ 0x9e37_79b9_7f4a_7c15L;
    }

    /** The device: reads the 8-byte request, writes the 8-byte reply, reports 8 bytes written. */
    private static final RequestProcessor ECHO = chain -> {
        long request = chain.readable(0).get(LE_LONG, 0);
        chain.writable(0).set(LE_LONG, 0, reply(request));
        return 8;
    };

    private void addRequests(int count, long firstPayload) {
        for (int i = 0; i < count; i++) {
            long request = pair.allocate(8);
            long response = pair.allocate(8);
            long payload = firstPayload + i;
            pair.at(request, 8).set(LE_LONG, 0, payload);
            int head = pair.driver().add(new long[] {request, response}, new int[] {8, 8}, 1, 1, false);
            assertThat(head).isNotNegative();
            requests.put(head, payload);
            replies.put(head, response);
        }
        pair.driver().publish();
    }

    private void reapAndVerify(int expected) throws Exception {
        int[] heads = new int[SIZE];
        int[] lengths = new int[SIZE];
        int reaped = pair.driver().reap(heads, lengths, SIZE);
        assertThat(reaped).isEqualTo(expected);
        for (int i = 0; i < reaped; i++) {
            long payload = requests.remove(heads[i]);
            MemorySegment reply = pair.at(replies.remove(heads[i]), 8);
            assertThat(lengths[i]).isEqualTo(8);
            assertThat(reply.get(LE_LONG, 0)).as("reply to %d", payload).isEqualTo(reply(payload));
        }
        pair.resetData();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 64})
    void aKickServesEveryChainInBatchesOfAtMostTheBatchSizeAndCountsThem(int maxBatch) throws Exception {
        pair = QueuePair.create(SIZE, EVENT_IDX, 0, 1 << 16);
        int chains = SIZE / 2 - 3; // two descriptors each
        addRequests(chains, 1000);
        QueueDrain drain = new QueueDrain(maxBatch, new QueueStats());
        AtomicInteger notified = new AtomicInteger();

        int served = drain.drain(pair.device(), ECHO, notified::incrementAndGet);

        QueueStats stats = drain.stats();
        int batches = (chains + maxBatch - 1) / maxBatch;
        assertThat(served).isEqualTo(chains);
        assertThat(stats.requests()).isEqualTo(chains);
        assertThat(stats.batches()).isEqualTo(batches);
        assertThat(stats.maxBatch()).isEqualTo(Math.min(maxBatch, chains));
        assertThat(stats.meanBatch()).isEqualTo((double) chains / batches);
        assertThat(stats.wakeups()).isEqualTo(1);
        assertThat(stats.notificationsSent() + stats.notificationsSuppressed()).isEqualTo(batches);
        assertThat(stats.notificationsSent()).isEqualTo(notified.get());
        assertThat(stats.toString()).contains("requests=" + chains, "batches=" + batches);
        reapAndVerify(chains);
        pair.memory().assertCanariesIntact();
    }

    @Test
    void withoutEventIdxEveryBatchNotifiesUnlessTheDriverSaidNoInterrupt() throws Exception {
        pair = QueuePair.create(SIZE, FLAGS_ONLY, 0, 1 << 16);
        QueueDrain drain = new QueueDrain(4, new QueueStats());
        AtomicInteger notified = new AtomicInteger();

        addRequests(10, 0);
        drain.drain(pair.device(), ECHO, notified::incrementAndGet);
        reapAndVerify(10);
        long batchesWithInterrupts = drain.stats().batches();
        pair.driver().disableInterrupts();
        addRequests(10, 100);
        drain.drain(pair.device(), ECHO, notified::incrementAndGet);
        reapAndVerify(10);

        assertThat(notified.get()).as("notifications while the driver wanted them").isEqualTo((int) batchesWithInterrupts);
        assertThat(drain.stats().notificationsSuppressed()).isEqualTo(drain.stats().batches() - batchesWithInterrupts);
        assertThat(drain.stats().wakeups()).isEqualTo(2);
    }

    @Test
    void withEventIdxOnlyTheBatchThatPassesUsedEventNotifies() throws Exception {
        pair = QueuePair.create(SIZE, EVENT_IDX, 0, 1 << 16);
        pair.pump(1); // past the first decision, which always notifies
        QueueDrain drain = new QueueDrain(4, new QueueStats());
        AtomicInteger notified = new AtomicInteger();
        assertThat(pair.driver().enableInterrupts()).isFalse();

        addRequests(12, 0);
        drain.drain(pair.device(), ECHO, notified::incrementAndGet);

        assertThat(notified.get()).isEqualTo(1);
        assertThat(drain.stats().notificationsSuppressed()).isEqualTo(drain.stats().batches() - 1);
        reapAndVerify(12);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void afterADrainTheDeviceWantsTheNextKick(boolean eventIdx) throws Exception {
        pair = QueuePair.create(SIZE, eventIdx ? EVENT_IDX : FLAGS_ONLY, 0, 1 << 16);
        QueueDrain drain = new QueueDrain(8, new QueueStats());
        addRequests(20, 0);
        pair.driver().kickNeeded();

        drain.drain(pair.device(), ECHO, () -> { });
        reapAndVerify(20);
        addRequests(1, 50);

        assertThat(pair.driver().kickNeeded()).isTrue();
    }

    @Test
    void chainsTheDriverAddsWhileTheQueueIsBeingDrainedAreServedBeforeItReturns() throws Exception {
        pair = QueuePair.create(SIZE, EVENT_IDX, 0, 1 << 16);
        QueueDrain drain = new QueueDrain(4, new QueueStats());
        addRequests(4, 0);
        AtomicInteger added = new AtomicInteger();
        RequestProcessor addsMoreOnItsFirstBatch = new RequestProcessor() {
            @Override
            public long process(DescriptorChain chain) {
                return ECHO.process(chain);
            }

            @Override
            public void endBatch() {
                if (added.getAndIncrement() == 0) {
                    addRequests(5, 100);
                }
            }
        };

        int served = drain.drain(pair.device(), addsMoreOnItsFirstBatch, () -> { });

        assertThat(served).isEqualTo(9);
        assertThat(pair.device().pendingCount()).isZero();
        reapAndVerify(9);
    }

    @Test
    void aBrokenQueueEndsTheDrainWithoutAnExceptionAndStaysBroken() throws Exception {
        pair = QueuePair.create(SIZE, EVENT_IDX, 0, 1 << 16);
        QueueDrain drain = new QueueDrain(8, new QueueStats());
        addRequests(3, 0);
        int garbage = pair.driver().availIndex() + SIZE * 2;
        pair.rings().availIndex(garbage);

        int served = drain.drain(pair.device(), ECHO, () -> { });

        assertThat(served).isZero();
        assertThat(pair.device().failure().error()).isEqualTo(VirtqueueError.AVAIL_INDEX_TOO_FAR);
        assertThat(drain.drain(pair.device(), ECHO, () -> { })).isZero();
        pair.memory().assertCanariesIntact();
    }

    @Test
    void whilePollingTheDeviceServesNewChainsWithoutAKick() throws Exception {
        pair = QueuePair.create(SIZE, EVENT_IDX, 0, 1 << 16);
        QueueDrain drain = new QueueDrain(8, new QueueStats()).pollFor(TimeUnit.SECONDS.toNanos(2));
        addRequests(1, 0);
        pair.driver().kickNeeded();
        CompletableFuture<Integer> served = CompletableFuture.supplyAsync(() -> drain.drain(pair.device(), ECHO, () -> { }));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pair.driver().usedPending() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(pair.driver().usedPending()).as("first chain served").isEqualTo(1);
        addRequests(1, 7);
        // VIRTIO 1.2, 2.7.10: the polling device keeps avail_event behind, so the driver need not kick.
        assertThat(pair.driver().kickNeeded()).isFalse();

        assertThat(served.get(30, TimeUnit.SECONDS)).as("both chains served by one drain").isEqualTo(2);
        reapAndVerify(2);
        addRequests(1, 9);
        assertThat(pair.driver().kickNeeded()).as("after polling ends the device wants kicks again").isTrue();
    }
}
