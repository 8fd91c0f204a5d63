package dev.jvirtio.net;

import dev.jvirtio.core.device.QueueDrain;
import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.memory.MemoryRegion;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.DriverQueue;
import dev.jvirtio.core.virtqueue.VirtqueueException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One virtqueue shared by jvirtio's driver side ({@link DriverQueue}) and device side
 * ({@link DeviceQueue}) in memory of this process, with a bump allocator for buffers: the test
 * plays the guest driver, the device code under test serves the queue as it would under a transport.
 */
final class NetRing implements AutoCloseable {

    static final long BASE = 0x10_0000L;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final DriverQueue driver;
    private final DeviceQueue device;
    private final long ringBytes;
    private final Map<Integer, long[]> buffers = new HashMap<>();
    private long next;
    int notifications;

    NetRing(int size, long features, long dataBytes) throws VirtqueueException {
        ringBytes = (DriverQueue.requiredBytes(size, 0) + 4095) & -4096L;
        memory = arena.allocate(ringBytes + dataBytes, 4096);
        GuestMemory guest = GuestMemory.of(List.of(new MemoryRegion(BASE, memory.byteSize(), memory.address(), memory)));
        driver = DriverQueue.create(size, memory.asSlice(0, ringBytes), BASE, features, 0);
        device = DeviceQueue.openGuestPhysical(size, guest, driver.descriptorTableAddress(), driver.availRingAddress(),
                driver.usedRingAddress(), features, 0);
        next = ringBytes;
    }

    DeviceQueue device() {
        return device;
    }

    QueueDrain.Notifier notifier() {
        return () -> notifications++;
    }

    private long allocate(int length) {
        long at = next;
        next = (next + length + 63) & -64L;
        if (next > memory.byteSize()) {
            throw new IllegalStateException("the test ring's buffer memory is exhausted");
        }
        return at;
    }

    /** Makes a device-readable buffer holding {@code bytes} available (a frame to transmit). */
    int offer(byte[] bytes) {
        long at = allocate(bytes.length);
        MemorySegment.copy(bytes, 0, memory, ValueLayout.JAVA_BYTE, at, bytes.length);
        int head = driver.add(new long[] {BASE + at}, new int[] {bytes.length}, 1, 0, false);
        buffers.put(head, new long[] {at, bytes.length});
        driver.publish();
        return head;
    }

    /** Makes {@code count} device-writable buffers of {@code length} bytes available (receive buffers). */
    void post(int count, int length) {
        for (int i = 0; i < count; i++) {
            long at = allocate(length);
            int head = driver.add(new long[] {BASE + at}, new int[] {length}, 0, 1, false);
            buffers.put(head, new long[] {at, length});
        }
        driver.publish();
    }

    /** Makes a command chain available: {@code bytes} device-readable, then one writable ack byte. */
    void command(byte[] bytes) {
        long at = allocate(bytes.length + 1);
        MemorySegment.copy(bytes, 0, memory, ValueLayout.JAVA_BYTE, at, bytes.length);
        memory.set(ValueLayout.JAVA_BYTE, at + bytes.length, (byte) 0x55);
        int head = driver.add(new long[] {BASE + at, BASE + at + bytes.length}, new int[] {bytes.length, 1}, 1, 1, false);
        buffers.put(head, new long[] {at + bytes.length, 1});
        driver.publish();
    }

    /** Every used element the device published since the last call: the bytes it wrote into each. */
    List<byte[]> reap() throws VirtqueueException {
        List<byte[]> out = new ArrayList<>();
        int[] heads = new int[256];
        int[] lengths = new int[256];
        int n;
        while ((n = driver.reap(heads, lengths, heads.length)) > 0) {
            for (int i = 0; i < n; i++) {
                long[] b = buffers.remove(heads[i]);
                out.add(memory.asSlice(b[0], lengths[i]).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return out;
    }

    /** Serves the queue with a request processor, as a transport does on a kick. */
    int drain(RequestProcessor processor) {
        return new QueueDrain(64, new dev.jvirtio.core.device.QueueStats()).drain(device, processor, notifier());
    }

    /** Starts a handler-served queue, as a transport does when the ring starts. */
    void attach(QueueHandler handler) {
        handler.attach(device, notifier());
    }

    @Override
    public void close() {
        arena.close();
    }
}
