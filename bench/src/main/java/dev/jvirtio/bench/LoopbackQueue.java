package dev.jvirtio.bench;

import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.memory.MemoryRegion;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.DriverQueue;
import dev.jvirtio.core.virtqueue.VirtqueueException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A driver and a device sharing one split ring in freshly allocated guest memory: the rings in one
 * region, the buffers in another. The memory is shared between threads and freed by {@link #close()}.
 */
public final class LoopbackQueue implements AutoCloseable {

    public static final long RING_GPA = 0x1000_0000L;
    public static final long DATA_GPA = 0x2000_0000L;
    private static final long PAGE = 4096;

    private final Arena arena;
    private final GuestMemory memory;
    private final DriverQueue driver;
    private final DeviceQueue device;

    private LoopbackQueue(Arena arena, GuestMemory memory, DriverQueue driver, DeviceQueue device) {
        this.arena = arena;
        this.memory = memory;
        this.driver = driver;
        this.device = device;
    }

    /**
     * A queue of {@code size} with {@code features}, {@code maxIndirect} descriptors per indirect
     * table, and {@code dataBytes} of buffer space at {@link #DATA_GPA}.
     */
    public static LoopbackQueue create(int size, long features, int maxIndirect, long dataBytes) throws VirtqueueException {
        Arena arena = Arena.ofShared();
        long ringBytes = (DriverQueue.requiredBytes(size, maxIndirect) + PAGE - 1) / PAGE * PAGE;
        MemorySegment rings = arena.allocate(ringBytes, PAGE);
        MemorySegment data = arena.allocate(dataBytes, PAGE);
        GuestMemory memory = GuestMemory.of(List.of(
                new MemoryRegion(RING_GPA, ringBytes, rings.address(), rings),
                new MemoryRegion(DATA_GPA, dataBytes, data.address(), data)));
        DriverQueue driver = DriverQueue.create(size, rings, RING_GPA, features, maxIndirect);
        DeviceQueue device = DeviceQueue.openGuestPhysical(size, memory, driver.descriptorTableAddress(),
                driver.availRingAddress(), driver.usedRingAddress(), features, 0);
        return new LoopbackQueue(arena, memory, driver, device);
    }

    public GuestMemory memory() {
        return memory;
    }

    public DriverQueue driver() {
        return driver;
    }

    public DeviceQueue device() {
        return device;
    }

    /** The host view of guest-physical {@code [address, address + length)}. */
    public MemorySegment at(long address, long length) {
        try {
            return memory.slice(address, length);
        } catch (dev.jvirtio.core.memory.GuestMemoryException e) {
            throw new IllegalArgumentException("benchmark buffer outside its memory: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
