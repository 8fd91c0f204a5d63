package dev.jvirtio.core.virtqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.core.device.QueueDrain;
import dev.jvirtio.core.device.QueueStats;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.testkit.QueuePair;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A driver thread and a device thread move millions of chains through one queue of 256 over shared
 * memory, as a guest and a back-end do. Kicks and interrupts are flags each side spins on, raised
 * only when the other side's suppression state asks for them: a lost wakeup stalls the exchange
 * and fails the test. Each chain carries a sequence-numbered request of 8 to 16 bytes; the device
 * answers with 8 bytes computed from what it read, and the driver checks every answer.
 */
class TwoThreadExchangeTest {

    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int SIZE = 256;
    private static final int BATCH = 32;
    private static final int SLOT = 32;
    private static final long DEADLINE_SECONDS = 100;

    @Test
    void tenMillionChainsWithEventIdxAndSomeIndirectTablesArriveAnswered() throws Exception {
        run(10_000_000, VirtioFeatures.of(VirtioFeatures.RING_EVENT_IDX, VirtioFeatures.RING_INDIRECT_DESC), 4);
    }

    @Test
    void twoMillionChainsWithFlagNotificationsArriveAnswered() throws Exception {
        run(2_000_000, 0, 0);
    }

    /** The device's answer to a request, computed from the bytes it read. */
    static long answer(long sequence, int length, long extraSum) {
        return Long.rotateLeft(sequence * 0x9e37_79b9_7f4a_7c15L, 23) ^ ((long) length << 56) ^ (extraSum << 20);
    }

    private static int requestLength(long sequence) {
        return 8 + (int) (sequence % 9);
    }

    private static byte extraByte(long sequence, int k) {
        return (byte) (sequence * 37 + k * 11);
    }

    private void run(long chains, long features, int indirectEvery) throws Exception {
        try (QueuePair pair = QueuePair.create(SIZE, features, indirectEvery > 0 ? 2 : 0, (long) SIZE * SLOT)) {
            long slots = pair.allocate((long) SIZE * SLOT);
            AtomicBoolean kick = new AtomicBoolean();
            AtomicBoolean interrupt = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong answered = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            QueueStats stats = new QueueStats();

            Thread device = Thread.ofPlatform().name("device").start(guard(failure, stop,
                    () -> serve(pair.device(), chains, stats, kick, interrupt, stop)));
            Thread driver = Thread.ofPlatform().name("driver").start(guard(failure, stop,
                    () -> drive(pair, slots, chains, indirectEvery, kick, interrupt, stop, answered)));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            driver.join(TimeUnit.NANOSECONDS.toMillis(Math.max(1, deadline - System.nanoTime())));
            device.join(TimeUnit.NANOSECONDS.toMillis(Math.max(1, deadline - System.nanoTime())));
            boolean stalled = driver.isAlive() || device.isAlive();
            stop.set(true);
            driver.join();
            device.join();

            if (failure.get() != null) {
                throw new AssertionError("exchange failed after " + answered.get() + " answers", failure.get());
            }
            assertThat(stalled).as("stalled after %d of %d answers (%s): a lost kick or interrupt",
                    answered.get(), chains, stats).isFalse();
            assertThat(answered.get()).isEqualTo(chains);
            assertThat(stats.requests()).isEqualTo(chains);
            assertThat(pair.device().isBroken()).isFalse();
            pair.memory().assertCanariesIntact();
        }
    }

    /**
     * Busy-polls, and gives the core away after a while: on a machine with fewer free cores than
     * spinning threads the other side needs it to make progress.
     */
    private static void idle(int spins) {
        if (spins < 64) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Runnable guard(AtomicReference<Throwable> failure, AtomicBoolean stop, Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                stop.set(true);
            }
        };
    }

    /** The device: drain on every kick, raise an interrupt when the driver's state asks for one. */
    private static void serve(DeviceQueue queue, long chains, QueueStats stats, AtomicBoolean kick,
                              AtomicBoolean interrupt, AtomicBoolean stop) {
        QueueDrain drain = new QueueDrain(BATCH, stats);
        RequestProcessor processor = chain -> {
            MemorySegment request = chain.readable(0);
            long sequence = request.get(LE_LONG, 0);
            long extraSum = 0;
            for (long k = 8; k < request.byteSize(); k++) {
                extraSum += request.get(ValueLayout.JAVA_BYTE, k);
            }
            chain.writable(0).set(LE_LONG, 0, answer(sequence, (int) request.byteSize(), extraSum));
            return 8;
        };
        long served = 0;
        while (served < chains) {
            served += drain.drain(queue, processor, () -> interrupt.set(true));
            if (queue.isBroken()) {
                throw new AssertionError("device queue broke", queue.failure());
            }
            for (int spins = 0; served < chains && !kick.getAndSet(false); spins++) {
                if (stop.get()) {
                    return;
                }
                idle(spins);
            }
        }
    }

    /** The driver: keep the ring full, kick when the device asks, sleep on interrupts when idle. */
    private static void drive(QueuePair pair, long slots, long chains, int indirectEvery, AtomicBoolean kick,
                              AtomicBoolean interrupt, AtomicBoolean stop, AtomicLong answered) throws Exception {
        DriverQueue driver = pair.driver();
        MemorySegment slotMemory = pair.at(slots, (long) SIZE * SLOT);
        int[] freeSlots = new int[SIZE];
        int freeCount = SIZE;
        for (int i = 0; i < SIZE; i++) {
            freeSlots[i] = i;
        }
        int[] slotOfHead = new int[SIZE];
        long[] sequenceOfSlot = new long[SIZE];
        long[] addresses = new long[2];
        int[] lengths = new int[2];
        int[] heads = new int[SIZE];
        int[] usedLengths = new int[SIZE];
        long sent = 0;
        long verified = 0;
        while (verified < chains) {
            if (stop.get()) {
                return;
            }
            int added = 0;
            while (sent < chains && added < BATCH && freeCount > 0) {
                int slot = freeSlots[freeCount - 1];
                long offset = (long) slot * SLOT;
                int length = requestLength(sent);
                slotMemory.set(LE_LONG, offset, sent);
                for (int k = 8; k < length; k++) {
                    slotMemory.set(ValueLayout.JAVA_BYTE, offset + k, extraByte(sent, k));
                }
                slotMemory.set(LE_LONG, offset + 24, 0);
                addresses[0] = slots + offset;
                lengths[0] = length;
                addresses[1] = slots + offset + 24;
                lengths[1] = 8;
                boolean indirect = indirectEvery > 0 && sent % indirectEvery == 0;
                int head = driver.add(addresses, lengths, 1, 1, indirect);
                if (head < 0) {
                    break;
                }
                freeCount--;
                slotOfHead[head] = slot;
                sequenceOfSlot[slot] = sent;
                sent++;
                added++;
            }
            if (added > 0) {
                driver.publish();
                if (driver.kickNeeded()) {
                    kick.set(true);
                }
            }
            int reaped = driver.reap(heads, usedLengths, SIZE);
            for (int i = 0; i < reaped; i++) {
                int slot = slotOfHead[heads[i]];
                long sequence = sequenceOfSlot[slot];
                int length = requestLength(sequence);
                long extraSum = 0;
                for (int k = 8; k < length; k++) {
                    extraSum += extraByte(sequence, k);
                }
                long reply = slotMemory.get(LE_LONG, (long) slot * SLOT + 24);
                if (usedLengths[i] != 8 || reply != answer(sequence, length, extraSum)) {
                    throw new AssertionError("chain " + sequence + ": used length " + usedLengths[i] + ", reply 0x"
                            + Long.toHexString(reply) + ", expected 0x" + Long.toHexString(answer(sequence, length, extraSum)));
                }
                freeSlots[freeCount++] = slot;
                verified++;
            }
            answered.lazySet(verified);
            if (reaped == 0 && added == 0) {
                if (driver.enableInterrupts()) {
                    driver.disableInterrupts();
                    continue;
                }
                for (int spins = 0; !interrupt.getAndSet(false); spins++) {
                    if (stop.get()) {
                        return;
                    }
                    idle(spins);
                }
                driver.disableInterrupts();
            }
        }
    }
}
