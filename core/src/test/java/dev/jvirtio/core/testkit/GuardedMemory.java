package dev.jvirtio.core.testkit;

import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.memory.MemoryRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest memory for tests: regions at made-up guest-physical addresses, laid out in one host
 * allocation with a page of canary bytes before, between and after them. Anything that writes
 * outside guest memory lands on a canary, and {@link #assertCanariesIntact()} finds it.
 *
 * <pre>
 * host: | canary | region 0 | canary | region 1 | canary | ... | canary |
 * </pre>
 *
 * The allocation is shared so that a driver thread and a device thread can both use it.
 */
public final class GuardedMemory implements AutoCloseable {

    /** Bytes of canary around every region. */
    public static final int GUARD = 4096;
    /** The value every canary byte holds. */
    public static final byte CANARY = (byte) 0xA5;
    /** Front-end user addresses are guest-physical ones moved up by this much. */
    public static final long USER_OFFSET = 0x7f00_0000_0000L;

    private final Arena arena;
    private final MemorySegment host;
    private final List<MemoryRegion> regions;
    private final List<MemorySegment> guards;
    private final GuestMemory memory;

    private GuardedMemory(Arena arena, MemorySegment host, List<MemoryRegion> regions, List<MemorySegment> guards) {
        this.arena = arena;
        this.host = host;
        this.regions = regions;
        this.guards = guards;
        this.memory = GuestMemory.of(regions);
    }

    /**
     * Allocates guarded regions given as (guest-physical base, size) pairs; sizes are multiples of
     * 4096.
     */
    public static GuardedMemory of(long... baseSizePairs) {
        if (baseSizePairs.length == 0 || baseSizePairs.length % 2 != 0) {
            throw new IllegalArgumentException("give (base, size) pairs, got " + baseSizePairs.length + " numbers");
        }
        long total = GUARD;
        for (int i = 1; i < baseSizePairs.length; i += 2) {
            if (baseSizePairs[i] % GUARD != 0) {
                throw new IllegalArgumentException("region size=" + baseSizePairs[i] + " is not a multiple of " + GUARD);
            }
            total += baseSizePairs[i] + GUARD;
        }
        Arena arena = Arena.ofShared();
        MemorySegment host = arena.allocate(total, GUARD);
        List<MemoryRegion> regions = new ArrayList<>();
        List<MemorySegment> guards = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < baseSizePairs.length; i += 2) {
            guards.add(host.asSlice(offset, GUARD));
            offset += GUARD;
            long base = baseSizePairs[i];
            long size = baseSizePairs[i + 1];
            regions.add(new MemoryRegion(base, size, base + USER_OFFSET, host.asSlice(offset, size)));
            offset += size;
        }
        guards.add(host.asSlice(offset, GUARD));
        for (MemorySegment guard : guards) {
            guard.fill(CANARY);
        }
        return new GuardedMemory(arena, host, List.copyOf(regions), List.copyOf(guards));
    }

    public GuestMemory memory() {
        return memory;
    }

    /** The i-th region in the order given to {@link #of}. */
    public MemoryRegion region(int i) {
        return regions.get(i);
    }

    public MemorySegment segment(int i) {
        return regions.get(i).segment();
    }

    public long base(int i) {
        return regions.get(i).guestPhysicalAddress();
    }

    /** The host slice of guest-physical {@code [address, address + length)}, for a test that knows it is valid. */
    public MemorySegment at(long address, long length) {
        for (MemoryRegion r : regions) {
            long offset = address - r.guestPhysicalAddress();
            if (offset >= 0 && offset + length <= r.size()) {
                return r.segment().asSlice(offset, length);
            }
        }
        throw new IllegalArgumentException("test bug: 0x" + Long.toHexString(address) + "+" + length + " is not guest memory");
    }

    /** True if every byte of {@code segment} lies inside one region's host mapping. */
    public boolean contains(MemorySegment segment) {
        if (segment.byteSize() == 0) {
            return true;
        }
        for (MemoryRegion r : regions) {
            long start = r.segment().address();
            if (segment.address() >= start && segment.address() + segment.byteSize() <= start + r.size()) {
                return true;
            }
        }
        return false;
    }

    /** Throws if any canary byte changed, naming the first one. */
    public void assertCanariesIntact() {
        for (int g = 0; g < guards.size(); g++) {
            MemorySegment guard = guards.get(g);
            for (long i = 0; i < guard.byteSize(); i++) {
                byte b = guard.get(ValueLayout.JAVA_BYTE, i);
                if (b != CANARY) {
                    throw new AssertionError("canary " + g + " byte " + i + " was overwritten with 0x"
                            + Integer.toHexString(b & 0xff) + ": something wrote outside guest memory");
                }
            }
        }
    }

    /** Total host bytes, canaries included. */
    public long hostBytes() {
        return host.byteSize();
    }

    @Override
    public void close() {
        arena.close();
    }
}
