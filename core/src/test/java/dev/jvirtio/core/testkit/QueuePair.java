package dev.jvirtio.core.testkit;

import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.DriverQueue;
import dev.jvirtio.core.virtqueue.VirtqueueException;
import java.lang.foreign.MemorySegment;

/**
 * A driver and a device sharing one split ring in {@link GuardedMemory}: the rings live in one
 * region, the buffers in another, non-adjacent one. Buffers come from a bump allocator in the data
 * region that the test resets once every chain is reaped.
 */
public final class QueuePair implements AutoCloseable {

    public static final long RING_BASE = 0x4000_0000L;
    public static final long DATA_BASE = 0x1_0000_0000L;

    private final GuardedMemory memory;
    private final DriverQueue driver;
    private final long features;
    private final long dataBytes;
    private DeviceQueue device;
    private long dataUsed;

    private QueuePair(GuardedMemory memory, DriverQueue driver, long features, long dataBytes) throws VirtqueueException {
        this.memory = memory;
        this.driver = driver;
        this.features = features;
        this.dataBytes = dataBytes;
        this.device = open(0);
    }

    /**
     * A fresh queue of {@code size} with {@code maxIndirect} descriptors per indirect table and
     * {@code dataBytes} (rounded up to pages) of buffer space.
     */
    public static QueuePair create(int size, long features, int maxIndirect, long dataBytes) {
        long ringBytes = pages(DriverQueue.requiredBytes(size, maxIndirect));
        long data = pages(Math.max(1, dataBytes));
        GuardedMemory memory = GuardedMemory.of(RING_BASE, ringBytes, DATA_BASE, data);
        DriverQueue driver = DriverQueue.create(size, memory.segment(0), RING_BASE, features, maxIndirect);
        try {
            return new QueuePair(memory, driver, features, data);
        } catch (VirtqueueException e) {
            memory.close();
            throw new AssertionError("a ring laid out by DriverQueue was refused: " + e.getMessage(), e);
        }
    }

    private static long pages(long bytes) {
        return (bytes + GuardedMemory.GUARD - 1) / GuardedMemory.GUARD * GuardedMemory.GUARD;
    }

    private DeviceQueue open(int nextAvail) throws VirtqueueException {
        return DeviceQueue.openGuestPhysical(driver.size(), memory.memory(), driver.descriptorTableAddress(),
                driver.availRingAddress(), driver.usedRingAddress(), features, nextAvail);
    }

    public GuardedMemory memory() {
        return memory;
    }

    public DriverQueue driver() {
        return driver;
    }

    public DeviceQueue device() {
        return device;
    }

    public long features() {
        return features;
    }

    /** A raw view of the same rings, to read and write flags and event indices directly. */
    public RingWriter rings() {
        return RingWriter.at(memory, driver.size(), driver.descriptorTableAddress());
    }

    /**
     * Drops the device side and opens a new one at {@code nextAvail}, as a vhost-user back-end does
     * between GET_VRING_BASE and SET_VRING_BASE. Chains the old device held are forgotten.
     */
    public DeviceQueue reopenDevice(int nextAvail) {
        try {
            device = open(nextAvail);
            return device;
        } catch (VirtqueueException e) {
            throw new AssertionError("reopening a valid ring failed: " + e.getMessage(), e);
        }
    }

    /** Reserves {@code bytes} of buffer space (8-byte aligned) and returns its guest-physical address. */
    public long allocate(long bytes) {
        long start = (dataUsed + 7) & -8L;
        if (start + bytes > dataBytes) {
            throw new IllegalStateException("test data region of " + dataBytes + " bytes is full");
        }
        dataUsed = start + bytes;
        return DATA_BASE + start;
    }

    /** Bytes of buffer space not yet allocated. */
    public long remaining() {
        return dataBytes - dataUsed;
    }

    /** Forgets every allocation: call only when no chain is in flight. */
    public void resetData() {
        dataUsed = 0;
    }

    /** The host view of guest-physical buffer space the test allocated. */
    public MemorySegment at(long address, long length) {
        return memory.at(address, length);
    }

    /**
     * Moves {@code count} one-descriptor chains through the queue, so that both sides' free-running
     * indices advance by {@code count}, with the kick and notification decisions taken as a real
     * pair would. Needs an empty queue; leaves it empty.
     */
    public void pump(int count) throws VirtqueueException {
        long buffer = allocate(8);
        long[] addresses = {buffer};
        int[] lengths = {8};
        int batch = Math.min(driver.size(), 256);
        DescriptorChain[] chains = new DescriptorChain[batch];
        int[] heads = new int[batch];
        int[] lens = new int[batch];
        int done = 0;
        while (done < count) {
            int n = Math.min(batch, count - done);
            for (int i = 0; i < n; i++) {
                if (driver.add(addresses, lengths, 0, 1, false) < 0) {
                    throw new AssertionError("no free descriptor while pumping");
                }
            }
            driver.publish();
            driver.kickNeeded();
            int popped = device.pop(chains, n);
            if (popped != n) {
                throw new AssertionError("device popped " + popped + " of " + n + ": " + device.failure());
            }
            for (int i = 0; i < n; i++) {
                device.pushUsed(chains[i], 0);
            }
            device.publishUsed();
            device.needsNotification();
            if (driver.reap(heads, lens, n) != n) {
                throw new AssertionError("driver reaped fewer than " + n);
            }
            done += n;
        }
        resetData();
    }

    @Override
    public void close() {
        memory.close();
    }
}
