package dev.jvirtio.core.virtqueue;

import static dev.jvirtio.core.virtqueue.SplitRingLayout.VIRTQ_AVAIL_F_NO_INTERRUPT;
import static dev.jvirtio.core.virtqueue.SplitRingLayout.VIRTQ_DESC_F_WRITE;
import static dev.jvirtio.core.virtqueue.SplitRingLayout.VIRTQ_USED_F_NO_NOTIFY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.testkit.GuardedMemory;
import dev.jvirtio.core.testkit.QueuePair;
import dev.jvirtio.core.testkit.RingWriter;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Notification suppression in both directions, with and without VIRTIO_F_EVENT_IDX, and the save
 * and restore of a ring position. Scenarios run from a fresh ring and from one whose free-running
 * indices are a few steps short of the 16-bit wrap, so every decision is also taken across it.
 */
class NotificationTest {

    private static final int SIZE = 8;
    private static final long EVENT_IDX = VirtioFeatures.of(VirtioFeatures.RING_EVENT_IDX, VirtioFeatures.RING_INDIRECT_DESC);
    private static final long FLAGS_ONLY = VirtioFeatures.of(VirtioFeatures.RING_INDIRECT_DESC);

    private final DescriptorChain[] out = new DescriptorChain[SIZE];
    private QueuePair pair;

    @AfterEach
    void freeMemory() {
        if (pair != null) {
            pair.close();
        }
    }

    /** A pair whose indices have both moved {@code start} steps through real chains. */
    private QueuePair pairAt(long features, int start) throws VirtqueueException {
        pair = QueuePair.create(SIZE, features, 4, 1 << 16);
        pair.pump(start);
        assertThat(pair.driver().availIndex()).isEqualTo(start & 0xffff);
        return pair;
    }

    private DriverQueue driver() {
        return pair.driver();
    }

    private DeviceQueue device() {
        return pair.device();
    }

    /** Adds {@code n} chains of one 8-byte writable buffer and publishes them. */
    private List<Integer> addAndPublish(int n) {
        List<Integer> heads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long buffer = pair.allocate(8);
            int head = driver().add(new long[] {buffer}, new int[] {8}, 0, 1, false);
            assertThat(head).as("free descriptor for chain %d", i).isNotNegative();
            heads.add(head);
        }
        driver().publish();
        return heads;
    }

    private int popAll() {
        return device().pop(out, SIZE);
    }

    private void pushAndPublish(int n) {
        for (int i = 0; i < n; i++) {
            device().pushUsed(out[i], 0);
        }
        device().publishUsed();
    }

    private int reapAll() throws VirtqueueException {
        return driver().reap(new int[SIZE], new int[SIZE], SIZE);
    }

    /**
     * The event rule restated (2.7.7.2, 2.7.10.2): a side that wrote event index E wants to hear
     * once the other side's index moves past E, i.e. when E is in [old, new) modulo 2^16.
     */
    private static boolean passes(int event, int oldIndex, int newIndex) {
        return ((event - oldIndex) & 0xffff) < ((newIndex - oldIndex) & 0xffff);
    }

    // 2.7.10: without EVENT_IDX the device sets VIRTQ_USED_F_NO_NOTIFY to ask for no kicks.
    @ParameterizedTest
    @ValueSource(ints = {0, 65533})
    void withoutEventIdx_aBusyDeviceSetsNoNotifyAndTheDriverDoesNotKick_2_7_10(int start) throws Exception {
        pairAt(FLAGS_ONLY, start);

        device().disableNotification();
        addAndPublish(2);

        assertThat(pair.rings().usedFlags()).isEqualTo(VIRTQ_USED_F_NO_NOTIFY);
        assertThat(driver().kickNeeded()).isFalse();
        assertThat(device().enableNotification()).as("chains added while kicks were off").isTrue();
        assertThat(pair.rings().usedFlags()).isZero();
        addAndPublish(1);
        assertThat(driver().kickNeeded()).isTrue();
    }

    // 2.7.7: without EVENT_IDX the driver sets VIRTQ_AVAIL_F_NO_INTERRUPT to ask for no notifications.
    @ParameterizedTest
    @ValueSource(ints = {0, 65533})
    void withoutEventIdx_noInterruptSuppressesUsedBufferNotifications_2_7_7(int start) throws Exception {
        pairAt(FLAGS_ONLY, start);

        driver().disableInterrupts();
        addAndPublish(2);
        pushAndPublish(popAll());

        assertThat(pair.rings().availFlags()).isEqualTo(VIRTQ_AVAIL_F_NO_INTERRUPT);
        assertThat(device().needsNotification()).isFalse();
        assertThat(driver().enableInterrupts()).as("used elements published while interrupts were off").isTrue();
        assertThat(pair.rings().availFlags()).isZero();
        assertThat(reapAll()).isEqualTo(2);
        addAndPublish(1);
        pushAndPublish(popAll());
        assertThat(device().needsNotification()).isTrue();
    }

    // 2.7.7.2 and 2.7.10.2: without EVENT_IDX both sides ignore used_event and avail_event.
    @ParameterizedTest
    @ValueSource(ints = {0, 65533})
    void withoutEventIdx_theEventIndicesAreIgnored(int start) throws Exception {
        pairAt(FLAGS_ONLY, start);
        int far = (start + SIZE * 4) & 0xffff;
        pair.rings().availEvent(far).usedEvent(far);

        addAndPublish(1);
        assertThat(driver().kickNeeded()).isTrue();
        pushAndPublish(popAll());
        assertThat(device().needsNotification()).isTrue();
    }

    // 2.7.10.2: with EVENT_IDX the driver kicks when avail->idx moves past avail_event.
    @ParameterizedTest
    @ValueSource(ints = {0, 65533, 65535})
    void withEventIdx_theDriverKicksExactlyWhenItsIndexPassesAvailEvent_2_7_10_2(int start) throws Exception {
        pairAt(EVENT_IDX, start);
        assertThat(device().enableNotification()).as("nothing pending on an empty ring").isFalse();
        assertThat(pair.rings().availEvent()).isEqualTo(device().nextAvailIndex());

        List<Boolean> kicks = new ArrayList<>();
        for (int batch : new int[] {1, 2, 1}) {
            int old = driver().availIndex();
            addAndPublish(batch);
            boolean kick = driver().kickNeeded();
            assertThat(kick).as("kick after %d..%d with avail_event=%d", old, driver().availIndex(),
                    pair.rings().availEvent()).isEqualTo(passes(pair.rings().availEvent(), old, driver().availIndex()));
            kicks.add(kick);
        }
        assertThat(kicks).as("only the first publish after the device enabled kicks").containsExactly(true, false, false);

        pushAndPublish(popAll());
        assertThat(device().enableNotification()).isFalse();
        assertThat(pair.rings().availEvent()).isEqualTo(driver().availIndex());
        assertThat(reapAll()).isEqualTo(4);
        addAndPublish(2);
        assertThat(driver().kickNeeded()).as("first publish after the device enabled again").isTrue();
    }

    // 2.7.7.2: with EVENT_IDX the device notifies when used->idx moves past used_event.
    @ParameterizedTest
    @ValueSource(ints = {1, 65533, 65535})
    void withEventIdx_theDeviceNotifiesExactlyWhenUsedIdxPassesUsedEvent_2_7_7_2(int start) throws Exception {
        pairAt(EVENT_IDX, start);
        int wanted = 3;
        int usedEvent = (device().nextUsedIndex() + wanted) & 0xffff;
        pair.rings().usedEvent(usedEvent);
        addAndPublish(SIZE);
        int popped = popAll();

        List<Boolean> notifications = new ArrayList<>();
        for (int i = 0; i < popped; i++) {
            int old = device().nextUsedIndex();
            device().pushUsed(out[i], 0);
            device().publishUsed();
            boolean notify = device().needsNotification();
            assertThat(notify).as("notify for used idx %d -> %d, used_event=%d", old, device().nextUsedIndex(), usedEvent)
                    .isEqualTo(passes(usedEvent, old, device().nextUsedIndex()));
            notifications.add(notify);
        }
        assertThat(notifications).as("exactly one notification, for element used_event").containsOnlyOnce(true);
        assertThat(notifications.indexOf(true)).isEqualTo(wanted);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 65533})
    void withEventIdx_aBatchThatPassesUsedEventNotifiesOnce_2_7_7_2(int start) throws Exception {
        pairAt(EVENT_IDX, start);
        assertThat(driver().enableInterrupts()).isFalse();
        addAndPublish(SIZE);
        int popped = popAll();

        pushAndPublish(popped);
        assertThat(device().needsNotification()).as("batch passes used_event").isTrue();
        assertThat(device().needsNotification()).as("nothing new since the last decision").isFalse();
    }

    // 2.7.7.2: "If the VIRTIO_F_EVENT_IDX feature bit is negotiated: The device MUST ignore the lower
    // bit of flags."
    @ParameterizedTest
    @ValueSource(ints = {1, 65533})
    void withEventIdx_theDeviceIgnoresNoInterrupt_2_7_7_2(int start) throws Exception {
        pairAt(EVENT_IDX, start);
        pair.rings().availFlags(VIRTQ_AVAIL_F_NO_INTERRUPT).usedEvent(device().nextUsedIndex());
        addAndPublish(1);

        pushAndPublish(popAll());

        assertThat(device().needsNotification()).isTrue();
    }

    // 2.7.10: with EVENT_IDX the driver ignores flags in the used ring, and the device leaves them alone.
    @ParameterizedTest
    @ValueSource(ints = {0, 65533})
    void withEventIdx_theDriverIgnoresNoNotify_2_7_10(int start) throws Exception {
        pairAt(EVENT_IDX, start);
        device().disableNotification();
        assertThat(pair.rings().usedFlags()).as("device leaves flags alone with EVENT_IDX").isZero();
        pair.rings().usedFlags(VIRTQ_USED_F_NO_NOTIFY).availEvent(driver().availIndex());

        addAndPublish(1);

        assertThat(driver().kickNeeded()).isTrue();
    }

    // 2.7.7.1: a driver that disabled interrupts with EVENT_IDX hears nothing for a queue-full.
    @ParameterizedTest
    @ValueSource(ints = {1, 65533})
    void withEventIdx_disabledInterruptsStayQuietForAWholeQueueAndEnablingFindsTheWork_2_7_7_1(int start) throws Exception {
        pairAt(EVENT_IDX, start);
        driver().disableInterrupts();
        addAndPublish(SIZE);

        pushAndPublish(popAll());

        assertThat(device().needsNotification()).isFalse();
        assertThat(driver().enableInterrupts()).as("used elements already pending").isTrue();
        assertThat(reapAll()).isEqualTo(SIZE);
        assertThat(driver().enableInterrupts()).isFalse();
        addAndPublish(1);
        pushAndPublish(popAll());
        assertThat(device().needsNotification()).isTrue();
    }

    // The device cannot know what the driver saw before the queue was opened (a restored ring, a
    // restarted back-end), so its first decision notifies; a spurious notification is harmless.
    @Test
    void withEventIdx_theFirstDecisionAfterOpeningNotifiesAndLaterOnesFollowUsedEvent() throws Exception {
        pairAt(EVENT_IDX, 0);
        driver().disableInterrupts();
        addAndPublish(1);
        pushAndPublish(popAll());

        assertThat(device().needsNotification()).as("first decision").isTrue();
        assertThat(reapAll()).isEqualTo(1);
        driver().disableInterrupts();
        addAndPublish(1);
        pushAndPublish(popAll());
        assertThat(device().needsNotification()).as("second decision, interrupts disabled").isFalse();
    }

    // vhost-user GET_VRING_BASE / SET_VRING_BASE: the device is stopped between two chains and a new
    // one continues from the saved next avail index; the used index comes from the ring.
    @ParameterizedTest
    @ValueSource(ints = {0, 65533})
    void aDeviceReopenedAtItsSavedPositionContinuesTheStream(int start) throws Exception {
        pairAt(EVENT_IDX, start);
        List<Integer> heads = addAndPublish(6);
        assertThat(device().pop(out, 2)).isEqualTo(2);
        pushAndPublish(2);
        int saved = device().nextAvailIndex();
        int usedBefore = device().nextUsedIndex();

        DeviceQueue reopened = pair.reopenDevice(saved);

        assertThat(saved).isEqualTo((start + 2) & 0xffff);
        assertThat(reopened.nextUsedIndex()).isEqualTo(usedBefore);
        assertThat(reopened.pendingCount()).isEqualTo(4);
        int popped = reopened.pop(out, SIZE);
        assertThat(popped).isEqualTo(4);
        List<Integer> resumed = new ArrayList<>();
        for (int i = 0; i < popped; i++) {
            resumed.add(out[i].head());
        }
        assertThat(resumed).containsExactlyElementsOf(heads.subList(2, 6));
        pushAndPublish(popped);
        int[] ids = new int[SIZE];
        assertThat(driver().reap(ids, new int[SIZE], SIZE)).isEqualTo(6);
        assertThat(driver().freeDescriptors()).isEqualTo(SIZE);
    }

    @Test
    void aRingRestoredJustBeforeTheWrapIsServedAcrossIt() throws Exception {
        int start = 0xfffe;
        try (GuardedMemory memory = GuardedMemory.of(0x10_0000L, 0x1_0000L, 0x20_0000L, 0x1_0000L)) {
            RingWriter ring = RingWriter.at(memory, SIZE, 0x10_0000L);
            for (int i = 0; i < 4; i++) {
                ring.descriptor(i, 0x20_0000L + 64L * i, 64, VIRTQ_DESC_F_WRITE, 0);
            }
            ring.availIndex(start).usedIndex(start).offer(3, 2, 1, 0);
            DeviceQueue queue = ring.openDevice(memory.memory(), EVENT_IDX, start);

            int popped = queue.pop(out, SIZE);
            for (int i = 0; i < popped; i++) {
                out[i].writeByte(i, (byte) (0x40 + i));
                queue.pushUsed(out[i], i + 1);
            }
            queue.publishUsed();

            assertThat(popped).isEqualTo(4);
            assertThat(ring.usedIndex()).isEqualTo((start + 4) & 0xffff);
            for (int i = 0; i < 4; i++) {
                int head = 3 - i;
                assertThat(ring.usedId(start + i)).isEqualTo(head);
                assertThat(ring.usedLength(start + i)).isEqualTo(i + 1);
                assertThat(memory.at(0x20_0000L + 64L * head + i, 1).get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) (0x40 + i));
            }
            assertThat(queue.enableNotification()).isFalse();
            assertThat(ring.availEvent()).isEqualTo((start + 4) & 0xffff);
            memory.assertCanariesIntact();
        }
    }
}
