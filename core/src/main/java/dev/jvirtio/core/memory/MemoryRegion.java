package dev.jvirtio.core.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous piece of guest memory as the device sees it.
 *
 * @param guestPhysicalAddress where the region starts in the guest's physical address space
 * @param size                 length in bytes, equal to {@code segment.byteSize()}
 * @param userAddress          where the front-end process (QEMU) has mapped the region in its own
 *                             address space; vhost-user's SET_VRING_ADDR speaks in these addresses
 * @param segment              the host mapping of the region's first byte to its last
 */
public record MemoryRegion(long guestPhysicalAddress, long size, long userAddress, MemorySegment segment) {

    public MemoryRegion {
        Objects.requireNonNull(segment, "segment");
        if (size <= 0) {
            throw new IllegalArgumentException("region size must be positive, size=" + size);
        }
        if (segment.byteSize() != size) {
            throw new IllegalArgumentException(
                    "region size=" + size + " differs from segment size=" + segment.byteSize());
        }
        if (Long.compareUnsigned(guestPhysicalAddress, -size) > 0) {
            throw new IllegalArgumentException(
                    "region wraps the address space: gpa=0x" + Long.toHexString(guestPhysicalAddress) + " size=" + size);
        }
        if (Long.compareUnsigned(userAddress, -size) > 0) {
            throw new IllegalArgumentException(
                    "region wraps the user address space: uaddr=0x" + Long.toHexString(userAddress) + " size=" + size);
        }
    }

    /** The last guest-physical address inside the region (inclusive). */
    public long lastGuestPhysicalAddress() {
        return guestPhysicalAddress + size - 1;
    }
}
