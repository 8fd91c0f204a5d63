package dev.jvirtio.cli.bench;

import dev.jvirtio.blk.driver.QueueTransport;
import dev.jvirtio.blk.driver.SharedBuffer;
import dev.jvirtio.core.virtqueue.DriverQueue;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.vhost.frontend.SharedMemory;
import dev.jvirtio.vhost.frontend.VhostUserDevice;

/** Carries a virtio-blk driver over a vhost-user connection: {@link QueueTransport} on a {@link VhostUserDevice}. */
final class VhostUserQueueTransport implements QueueTransport {

    private final VhostUserDevice device;

    VhostUserQueueTransport(VhostUserDevice device) {
        this.device = device;
    }

    @Override
    public long features() {
        return device.features();
    }

    @Override
    public byte[] config() {
        return device.config();
    }

    @Override
    public int queueCount() {
        return device.queueCount();
    }

    @Override
    public DriverQueue queue(int index) {
        return device.queue(index);
    }

    @Override
    public void kick(int index) throws LinuxException {
        device.kick(index);
    }

    @Override
    public boolean awaitCall(int index, long timeoutNanos) throws LinuxException {
        return device.awaitCall(index, timeoutNanos);
    }

    @Override
    public SharedBuffer allocate(long bytes, long alignment) {
        SharedMemory.Allocation a = device.allocate(bytes, alignment);
        return new SharedBuffer(a.segment(), a.guestAddress());
    }
}
