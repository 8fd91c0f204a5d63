package dev.jvirtio.core.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The guest's memory as a set of non-overlapping regions, and the translation of guest-physical
 * and front-end user addresses to host {@link MemorySegment} slices.
 *
 * <p>A translated range must lie inside one region. A range that begins in one region and ends in
 * the next is rejected with {@link GuestMemoryException.Reason#STRADDLES} even where the two regions
 * are adjacent in guest-physical space: their host mappings are separate, so no single segment
 * covers them. QEMU lays guest RAM out so that a driver's buffers never cross such a boundary.
 *
 * <p>Instances are immutable and safe to share between threads. A memory table change makes a new
 * instance; queues pick it up when they are (re)started.
 */
public final class GuestMemory {

    private static final String GPA = "guest-physical";
    private static final String USER = "front-end user";

    private final MemoryRegion[] byGuestAddress;
    private final MemoryRegion[] byUserAddress;

    private GuestMemory(MemoryRegion[] byGuestAddress, MemoryRegion[] byUserAddress) {
        this.byGuestAddress = byGuestAddress;
        this.byUserAddress = byUserAddress;
    }

    /** Memory with no regions: every translation fails. */
    public static GuestMemory empty() {
        return new GuestMemory(new MemoryRegion[0], new MemoryRegion[0]);
    }

    /**
     * Builds guest memory from regions given in any order.
     *
     * @throws IllegalArgumentException if two regions overlap in guest-physical or user space
     */
    public static GuestMemory of(List<MemoryRegion> regions) {
        MemoryRegion[] byGpa = regions.toArray(MemoryRegion[]::new);
        Arrays.sort(byGpa, Comparator.comparing(MemoryRegion::guestPhysicalAddress, Long::compareUnsigned));
        MemoryRegion[] byUser = regions.toArray(MemoryRegion[]::new);
        Arrays.sort(byUser, Comparator.comparing(MemoryRegion::userAddress, Long::compareUnsigned));
        for (int i = 1; i < byGpa.length; i++) {
            if (Long.compareUnsigned(byGpa[i - 1].lastGuestPhysicalAddress(), byGpa[i].guestPhysicalAddress()) >= 0) {
                throw new IllegalArgumentException("memory regions overlap: " + byGpa[i - 1] + " and " + byGpa[i]);
            }
        }
        for (int i = 1; i < byUser.length; i++) {
            long lastUser = byUser[i - 1].userAddress() + byUser[i - 1].size() - 1;
            if (Long.compareUnsigned(lastUser, byUser[i].userAddress()) >= 0) {
                throw new IllegalArgumentException("memory regions overlap in user space: " + byUser[i - 1] + " and " + byUser[i]);
            }
        }
        return new GuestMemory(byGpa, byUser);
    }

    /** A new instance with {@code region} added. */
    public GuestMemory with(MemoryRegion region) {
        List<MemoryRegion> all = new ArrayList<>(regions());
        all.add(region);
        return of(all);
    }

    /** A new instance without the region that starts at {@code guestPhysicalAddress} and has {@code size}. */
    public GuestMemory without(long guestPhysicalAddress, long size) {
        List<MemoryRegion> all = new ArrayList<>(regions());
        all.removeIf(r -> r.guestPhysicalAddress() == guestPhysicalAddress && r.size() == size);
        return of(all);
    }

    /** The regions in ascending guest-physical order. */
    public List<MemoryRegion> regions() {
        return List.of(byGuestAddress);
    }

    /**
     * The host slice for the guest-physical range {@code [address, address + length)}.
     *
     * @throws GuestMemoryException if any byte of the range is not guest memory, the range wraps,
     *                              or it straddles two regions
     */
    public MemorySegment slice(long address, long length) throws GuestMemoryException {
        return translate(byGuestAddress, false, GPA, address, length);
    }

    /**
     * The host slice for the range {@code [address, address + length)} given in the front-end
     * process's own virtual addresses (vhost-user SET_VRING_ADDR).
     */
    public MemorySegment sliceUser(long address, long length) throws GuestMemoryException {
        return translate(byUserAddress, true, USER, address, length);
    }

    /**
     * The index (into {@link #regions()}) of the region that holds the whole guest-physical range
     * {@code [address, address + length)}: translation without allocating a slice, for hot paths
     * that address the region's segment with an offset.
     *
     * @throws GuestMemoryException as {@link #slice(long, long)} does
     */
    public int regionIndex(long address, long length) throws GuestMemoryException {
        MemoryRegion[] regions = byGuestAddress;
        if (regions.length == 1 && length > 0) {
            MemoryRegion r = regions[0];
            long offset = address - r.guestPhysicalAddress();
            if (Long.compareUnsigned(offset, r.size()) < 0 && Long.compareUnsigned(length, r.size() - offset) <= 0) {
                return 0;
            }
        }
        return locate(regions, false, GPA, address, length);
    }

    /** The region at {@code index} of {@link #regions()}. */
    public MemoryRegion region(int index) {
        return byGuestAddress[index];
    }

    private static MemorySegment translate(MemoryRegion[] regions, boolean user, String space,
                                           long address, long length) throws GuestMemoryException {
        MemoryRegion region = regions[locate(regions, user, space, address, length)];
        return region.segment().asSlice(address - start(region, user), length);
    }

    private static int locate(MemoryRegion[] regions, boolean user, String space,
                              long address, long length) throws GuestMemoryException {
        if (length < 0) {
            throw new GuestMemoryException(GuestMemoryException.Reason.NEGATIVE_LENGTH, space, address, length);
        }
        if (length > 0 && Long.compareUnsigned(address, -length) > 0) {
            throw new GuestMemoryException(GuestMemoryException.Reason.WRAPS, space, address, length);
        }
        int index = find(regions, user, address);
        if (index < 0) {
            throw new GuestMemoryException(GuestMemoryException.Reason.OUTSIDE, space, address, length);
        }
        MemoryRegion region = regions[index];
        long offset = address - (user ? region.userAddress() : region.guestPhysicalAddress());
        if (Long.compareUnsigned(length, region.size() - offset) > 0) {
            boolean next = index + 1 < regions.length
                    && Long.compareUnsigned(start(regions[index + 1], user), address + length - 1) <= 0;
            throw new GuestMemoryException(next ? GuestMemoryException.Reason.STRADDLES
                    : GuestMemoryException.Reason.OUTSIDE, space, address, length);
        }
        return index;
    }

    /** Index of the region containing {@code address}, or -1. Binary search over sorted starts. */
    private static int find(MemoryRegion[] regions, boolean user, long address) {
        int low = 0;
        int high = regions.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            MemoryRegion r = regions[mid];
            long start = start(r, user);
            if (Long.compareUnsigned(address, start) < 0) {
                high = mid - 1;
            } else if (Long.compareUnsigned(address - start, r.size()) >= 0) {
                low = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private static long start(MemoryRegion region, boolean user) {
        return user ? region.userAddress() : region.guestPhysicalAddress();
    }
}
