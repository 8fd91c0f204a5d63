package dev.jvirtio.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.core.memory.GuestMemoryException.Reason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Guest-physical and front-end user address translation, edges and hostile ranges included. */
class GuestMemoryTest {

    private static final long BASE = 0x1_0000_0000L;
    private static final long PAGE = 4096;
    /** Where the front-end process maps guest memory: far from any guest-physical address used here. */
    private static final long USER = 0x7f12_3400_0000L;

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void freeMemory() {
        arena.close();
    }

    private MemoryRegion region(long gpa, long size) {
        return new MemoryRegion(gpa, size, USER + gpa, arena.allocate(size, PAGE));
    }

    private static void assertRejected(ThrowingCallable translation, Reason reason) {
        assertThatThrownBy(translation)
                .isInstanceOf(GuestMemoryException.class)
                .extracting(e -> ((GuestMemoryException) e).reason())
                .isEqualTo(reason);
    }

    @Test
    void aRangeInsideARegionIsThatRegionsHostMemory() throws Exception {
        MemoryRegion r = region(BASE, 2 * PAGE);
        GuestMemory memory = GuestMemory.of(List.of(r));

        MemorySegment slice = memory.slice(BASE + 100, 50);
        slice.set(ValueLayout.JAVA_BYTE, 49, (byte) 42);

        assertThat(slice.address()).isEqualTo(r.segment().address() + 100);
        assertThat(slice.byteSize()).isEqualTo(50);
        assertThat(r.segment().get(ValueLayout.JAVA_BYTE, 149)).isEqualTo((byte) 42);
    }

    @Test
    void theFirstByteTheLastByteAndTheWholeRegionTranslate() throws Exception {
        MemoryRegion r = region(BASE, PAGE);
        GuestMemory memory = GuestMemory.of(List.of(r));
        long host = r.segment().address();

        assertThat(memory.slice(BASE, 1).address()).isEqualTo(host);
        assertThat(memory.slice(r.lastGuestPhysicalAddress(), 1).address()).isEqualTo(host + PAGE - 1);
        assertThat(memory.slice(BASE, PAGE).byteSize()).isEqualTo(PAGE);
    }

    @Test
    void aRangeThatEndsOneBytePastTheRegionIsOutside() {
        GuestMemory memory = GuestMemory.of(List.of(region(BASE, PAGE)));

        assertRejected(() -> memory.slice(BASE + PAGE - 1, 2), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(BASE, PAGE + 1), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(BASE + PAGE, 1), Reason.OUTSIDE);
    }

    @Test
    void aRangeThatBeginsOneByteBeforeTheRegionIsOutside() {
        GuestMemory memory = GuestMemory.of(List.of(region(BASE, PAGE)));

        assertRejected(() -> memory.slice(BASE - 1, 1), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(BASE - 1, 2), Reason.OUTSIDE);
    }

    @Test
    void addressesFarFromEveryRegionAreOutside() {
        GuestMemory memory = GuestMemory.of(List.of(region(BASE, PAGE)));

        assertRejected(() -> memory.slice(0, 1), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(Long.MIN_VALUE, 1), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(-1L, 1), Reason.OUTSIDE);
        assertRejected(() -> GuestMemory.empty().slice(BASE, 1), Reason.OUTSIDE);
    }

    @Test
    void aRangeThatWrapsPast2To64IsRejectedEvenWhereItsStartIsMemory() throws Exception {
        long top = -PAGE; // the last page of the 64-bit address space
        MemoryRegion r = region(top, PAGE);
        GuestMemory memory = GuestMemory.of(List.of(r));

        assertThat(memory.slice(-1L, 1).address()).isEqualTo(r.segment().address() + PAGE - 1);
        assertThat(memory.slice(top, PAGE).byteSize()).isEqualTo(PAGE);
        assertRejected(() -> memory.slice(top, PAGE + 1), Reason.WRAPS);
        assertRejected(() -> memory.slice(-1L, 2), Reason.WRAPS);
        assertRejected(() -> memory.slice(-16L, Long.MAX_VALUE), Reason.WRAPS);
    }

    @Test
    void aRangeAcrossTwoAdjacentRegionsIsRejectedAsStraddling() throws Exception {
        MemoryRegion low = region(BASE, PAGE);
        MemoryRegion high = region(BASE + PAGE, PAGE);
        GuestMemory memory = GuestMemory.of(List.of(low, high));

        assertThat(memory.slice(BASE + PAGE - 1, 1).address()).isEqualTo(low.segment().address() + PAGE - 1);
        assertThat(memory.slice(BASE + PAGE, 1).address()).isEqualTo(high.segment().address());
        assertRejected(() -> memory.slice(BASE + PAGE - 1, 2), Reason.STRADDLES);
        assertRejected(() -> memory.slice(BASE, 2 * PAGE), Reason.STRADDLES);
    }

    @Test
    void aRangeIntoAGapIsOutsideAndOneAcrossTheGapIntoTheNextRegionStraddles() {
        GuestMemory memory = GuestMemory.of(List.of(region(BASE, PAGE), region(BASE + 2 * PAGE, PAGE)));

        assertRejected(() -> memory.slice(BASE + PAGE - 8, 16), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(BASE + PAGE, 1), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(BASE + PAGE - 8, PAGE + 16), Reason.STRADDLES);
    }

    @Test
    void zeroLengthIsAnEmptySliceInsideARegionAndRejectedOutside() throws Exception {
        MemoryRegion r = region(BASE, PAGE);
        GuestMemory memory = GuestMemory.of(List.of(r));

        MemorySegment empty = memory.slice(BASE + 10, 0);

        assertThat(empty.byteSize()).isZero();
        assertThat(empty.address()).isEqualTo(r.segment().address() + 10);
        assertRejected(() -> memory.slice(BASE + PAGE, 0), Reason.OUTSIDE);
        assertRejected(() -> memory.slice(0, 0), Reason.OUTSIDE);
    }

    @Test
    void aNegativeLengthIsRejected() {
        GuestMemory memory = GuestMemory.of(List.of(region(BASE, PAGE)));

        assertRejected(() -> memory.slice(BASE, -1), Reason.NEGATIVE_LENGTH);
        assertRejected(() -> memory.slice(BASE, Long.MIN_VALUE), Reason.NEGATIVE_LENGTH);
        assertRejected(() -> memory.sliceUser(USER + BASE, -1), Reason.NEGATIVE_LENGTH);
    }

    @Test
    void frontEndUserAddressesReachTheSameHostBytesAsGuestPhysicalOnes() throws Exception {
        MemoryRegion r = region(BASE, PAGE);
        GuestMemory memory = GuestMemory.of(List.of(r));

        MemorySegment byUser = memory.sliceUser(r.userAddress() + 64, 16);

        assertThat(byUser.address()).isEqualTo(memory.slice(BASE + 64, 16).address());
        assertRejected(() -> memory.sliceUser(BASE + 64, 16), Reason.OUTSIDE);
        assertRejected(() -> memory.sliceUser(r.userAddress() + PAGE - 1, 2), Reason.OUTSIDE);
        assertThatThrownBy(() -> memory.sliceUser(r.userAddress() - 1, 1)).hasMessageContaining("front-end user");
    }

    @Test
    void userRangesAcrossTwoRegionsStraddleEvenWhenTheirGuestAddressesAreFarApart() throws Exception {
        MemoryRegion a = new MemoryRegion(BASE, PAGE, USER, arena.allocate(PAGE, PAGE));
        MemoryRegion b = new MemoryRegion(BASE + 64 * PAGE, PAGE, USER + PAGE, arena.allocate(PAGE, PAGE));
        GuestMemory memory = GuestMemory.of(List.of(b, a));

        assertThat(memory.sliceUser(USER + PAGE, 1).address()).isEqualTo(b.segment().address());
        assertRejected(() -> memory.sliceUser(USER + PAGE - 4, 8), Reason.STRADDLES);
    }

    @Test
    void overlappingRegionsAreRefusedWhenMemoryIsBuilt() {
        MemoryRegion first = region(BASE, 2 * PAGE);
        MemoryRegion overlapsByOneByte = new MemoryRegion(first.lastGuestPhysicalAddress(), PAGE,
                USER + 64 * PAGE, arena.allocate(PAGE, PAGE));
        MemoryRegion userOverlap = new MemoryRegion(BASE + 64 * PAGE, PAGE,
                first.userAddress() + PAGE, arena.allocate(PAGE, PAGE));

        assertThatThrownBy(() -> GuestMemory.of(List.of(first, overlapsByOneByte)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlap");
        assertThatThrownBy(() -> GuestMemory.of(List.of(userOverlap, first)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user space");
        assertThatThrownBy(() -> GuestMemory.of(List.of(first)).with(first))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void regionsThatWouldWrapOrDisagreeWithTheirSegmentAreRefused() {
        MemorySegment page = arena.allocate(PAGE, PAGE);

        assertThatThrownBy(() -> new MemoryRegion(-PAGE + 1, PAGE, USER, page))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wraps");
        assertThatThrownBy(() -> new MemoryRegion(BASE, 2 * PAGE, USER, page))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differs");
        assertThatThrownBy(() -> new MemoryRegion(BASE, 0, USER, page.asSlice(0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    }

    @Test
    void everyRegionOfManyGivenInAnyOrderIsFoundAndTheGapsAreNot() throws Exception {
        Random random = new Random(7);
        List<MemoryRegion> regions = new ArrayList<>();
        long gpa = BASE;
        for (int i = 0; i < 17; i++) {
            long size = PAGE * (1 + random.nextInt(3));
            regions.add(region(gpa, size));
            gpa += size + PAGE * random.nextInt(2); // some adjacent, some with a gap
        }
        List<MemoryRegion> shuffled = new ArrayList<>(regions);
        Collections.shuffle(shuffled, random);
        GuestMemory memory = GuestMemory.of(shuffled);

        for (MemoryRegion r : regions) {
            assertThat(memory.slice(r.guestPhysicalAddress(), 1).address()).isEqualTo(r.segment().address());
            assertThat(memory.slice(r.lastGuestPhysicalAddress(), 1).address())
                    .isEqualTo(r.segment().address() + r.size() - 1);
            assertThat(memory.sliceUser(r.userAddress() + r.size() - 1, 1).address())
                    .isEqualTo(r.segment().address() + r.size() - 1);
        }
        for (int i = 1; i < regions.size(); i++) {
            long end = regions.get(i - 1).lastGuestPhysicalAddress() + 1;
            if (end != regions.get(i).guestPhysicalAddress()) {
                assertRejected(() -> memory.slice(end, 1), Reason.OUTSIDE);
            }
        }
        assertThat(memory.regions()).containsExactlyElementsOf(regions);
    }

    @Test
    void withAndWithoutMakeNewMemoryAndLeaveTheOriginalAlone() throws Exception {
        MemoryRegion a = region(BASE, PAGE);
        MemoryRegion b = region(BASE + 16 * PAGE, PAGE);
        GuestMemory onlyA = GuestMemory.of(List.of(a));

        GuestMemory both = onlyA.with(b);
        GuestMemory onlyB = both.without(BASE, PAGE);

        assertThat(both.slice(BASE + 16 * PAGE, 1).address()).isEqualTo(b.segment().address());
        assertRejected(() -> onlyA.slice(BASE + 16 * PAGE, 1), Reason.OUTSIDE);
        assertRejected(() -> onlyB.slice(BASE, 1), Reason.OUTSIDE);
        assertThat(onlyB.regions()).containsExactly(b);
    }

    @Test
    void theErrorNamesTheRangeInHex() {
        GuestMemory memory = GuestMemory.of(List.of(region(BASE, PAGE)));
        long address = BASE + PAGE + 0x123;

        assertThatThrownBy(() -> memory.slice(address, 5))
                .hasMessageContaining("0x" + Long.toHexString(address))
                .hasMessageContaining("+5")
                .hasMessageContaining("guest-physical")
                .hasMessageContaining("outside guest memory");
    }
}
