package dev.jvirtio.blk.driver;

import dev.jvirtio.blk.BlkConfig;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.driver.QueueTransport;
import dev.jvirtio.core.driver.SharedBuffer;
import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.memory.MemoryRegion;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.DriverQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A transport whose device runs inside the kick: the device side of the same rings in this
 * process's memory (core's {@link DeviceQueue}), with a {@link Behaviour} the test chooses for
 * each batch of chains, including hostile ones.
 */
final class InProcessTransport implements QueueTransport, AutoCloseable {

    /** What the device does with the chains one kick made available. */
    interface Behaviour {
        /**
         * Handles {@code chains}; returns true if it published used elements and wants the driver notified.
         * {@code used} is the queue's raw used ring for behaviours that write it themselves.
         */
        boolean handle(DeviceQueue queue, List<DescriptorChain> chains, MemorySegment used) throws Exception;
    }

    static final long GUEST_BASE = 0x4000_0000L;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final GuestMemory guest;
    private final long features;
    private final byte[] config;
    private final List<DriverQueue> queues = new ArrayList<>();
    private final List<DeviceQueue> deviceQueues = new ArrayList<>();
    private final List<MemorySegment> usedRings = new ArrayList<>();
    private final Behaviour behaviour;
    private long next;
    private int pendingCalls;
    int kicks;

    InProcessTransport(long features, byte[] config, int queueCount, int queueSize, Behaviour behaviour) throws Exception {
        this.memory = arena.allocate(32 << 20, 4096);
        this.guest = GuestMemory.of(List.of(new MemoryRegion(GUEST_BASE, memory.byteSize(), memory.address(), memory)));
        this.features = features;
        this.config = config;
        this.behaviour = behaviour;
        for (int i = 0; i < queueCount; i++) {
            SharedBuffer area = allocate(DriverQueue.requiredBytes(queueSize, BlkDriver.MAX_INDIRECT), 4096);
            DriverQueue q = DriverQueue.create(queueSize, area.segment(), area.deviceAddress(), features, BlkDriver.MAX_INDIRECT);
            queues.add(q);
            deviceQueues.add(DeviceQueue.openGuestPhysical(queueSize, guest, q.descriptorTableAddress(),
                    q.availRingAddress(), q.usedRingAddress(), features, 0));
            usedRings.add(guest.slice(q.usedRingAddress(), 4 + 8L * queueSize + 2));
        }
    }

    /** A config space of {@code capacitySectors} with the other fields as a plain disk has them. */
    static byte[] config(long capacitySectors, int sizeMax) {
        return BlkConfig.encode(new BlkConfig.Values(capacitySectors, sizeMax, 128, 512, 0, 0, 0, true, 1, 1 << 16, 1,
                1, 1 << 16, 1, true));
    }

    static long featureWord(int... blkBits) {
        return VirtioFeatures.of(VirtioFeatures.VERSION_1) | VirtioFeatures.of(blkBits);
    }

    @Override
    public long features() {
        return features;
    }

    @Override
    public byte[] config() {
        return config.clone();
    }

    @Override
    public int queueCount() {
        return queues.size();
    }

    @Override
    public DriverQueue queue(int index) {
        return queues.get(index);
    }

    @Override
    public void kick(int index) {
        kicks++;
        DeviceQueue q = deviceQueues.get(index);
        DescriptorChain[] out = new DescriptorChain[q.size()];
        do {
            int n = q.pop(out, out.length);
            if (q.isBroken()) {
                throw new AssertionError("the driver broke the ring: " + q.failure());
            }
            try {
                if (behaviour.handle(q, new ArrayList<>(Arrays.asList(out).subList(0, n)), usedRings.get(index))) {
                    pendingCalls++;
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            // 2.7.10: ask for the next kick, then re-check for buffers added meanwhile, as a device loop does.
        } while (q.enableNotification());
    }

    @Override
    public boolean awaitCall(int index, long timeoutNanos) {
        if (pendingCalls > 0) {
            pendingCalls = 0;
            return true;
        }
        // A silent device: the wait lasts its whole timeout, as an eventfd that is never signalled would.
        LockSupport.parkNanos(timeoutNanos);
        return false;
    }

    @Override
    public SharedBuffer allocate(long bytes, long alignment) {
        long start = (next + alignment - 1) & -alignment;
        next = start + bytes;
        return new SharedBuffer(memory.asSlice(start, bytes), GUEST_BASE + start);
    }

    @Override
    public void close() {
        arena.close();
    }
}
