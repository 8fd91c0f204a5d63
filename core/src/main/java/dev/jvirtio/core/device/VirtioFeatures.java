package dev.jvirtio.core.device;

/**
 * Device-independent feature bits (VIRTIO 1.2, 6 "Reserved Feature Bits") and helpers for 64-bit
 * feature words.
 */
public final class VirtioFeatures {

    private VirtioFeatures() {
    }

    /** 6: the driver may use indirect descriptors (2.7.5.3). */
    public static final int RING_INDIRECT_DESC = 28;
    /** 6: used_event and avail_event (2.7.7, 2.7.10). */
    public static final int RING_EVENT_IDX = 29;
    /** 6: compliance with VIRTIO 1.x (little-endian, modern layout). */
    public static final int VERSION_1 = 32;
    /** 6: the device is behind an IOMMU (not offered: guest addresses are guest-physical). */
    public static final int ACCESS_PLATFORM = 33;
    /** 6: packed virtqueue layout (not offered yet). */
    public static final int RING_PACKED = 34;

    /** The word with only {@code bit} set. */
    public static long bit(int bit) {
        return 1L << bit;
    }

    /** True if {@code bit} is set in {@code features}. */
    public static boolean has(long features, int bit) {
        return (features & (1L << bit)) != 0;
    }

    /** The word with every given bit set. */
    public static long of(int... bits) {
        long word = 0;
        for (int b : bits) {
            word |= 1L << b;
        }
        return word;
    }
}
