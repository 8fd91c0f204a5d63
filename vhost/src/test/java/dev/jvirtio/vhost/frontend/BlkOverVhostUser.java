package dev.jvirtio.vhost.frontend;

import dev.jvirtio.blk.driver.BlkDriver;
import dev.jvirtio.blk.driver.BlkDriverOptions;
import dev.jvirtio.blk.driver.QueueTransport;
import dev.jvirtio.blk.driver.SharedBuffer;
import dev.jvirtio.core.virtqueue.DriverQueue;
import java.io.IOException;
import java.nio.file.Path;

/** jvirtio's virtio-blk driver carried by a {@link VhostUserDevice}: the client the scenarios use. */
final class BlkOverVhostUser implements QueueTransport, AutoCloseable {

    final VhostUserDevice device;
    final BlkDriver driver;

    BlkOverVhostUser(Path socket, int queues, BlkDriverOptions options) throws Exception {
        this.device = VhostUserDevice.start(socket, new VhostUserDevice.Setup(BlkDriver.features(true), queues, 256,
                BlkDriver.MAX_INDIRECT, BlkDriver.CONFIG_SIZE, BlkDriver.bufferBytes(queues, options)));
        this.driver = BlkDriver.open(this, options);
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
    public void kick(int index) throws IOException {
        device.kick(index);
    }

    @Override
    public boolean awaitCall(int index, long timeoutNanos) throws IOException {
        return device.awaitCall(index, timeoutNanos);
    }

    @Override
    public SharedBuffer allocate(long bytes, long alignment) {
        SharedMemory.Allocation a = device.allocate(bytes, alignment);
        return new SharedBuffer(a.segment(), a.guestAddress());
    }

    @Override
    public void close() {
        device.close();
    }
}
