package dev.jvirtio.e2e;

import dev.jvirtio.blk.BlkDevice;
import dev.jvirtio.blk.BlkOptions;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.core.device.QueueStats;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.nio.file.Path;
import java.util.List;

/**
 * A disk jvirtio serves in this process over vhost-user, for a guest to boot on: a storage, the
 * virtio-blk device in front of it and the back-end on a socket. Closing it stops the back-end,
 * then the device, then closes the storage.
 */
record ServedDisk(Storage storage, BlkDevice device, VhostUserBackend backend) implements AutoCloseable {

    /**
     * Serves {@code storage} at {@code socket} as device {@code blk0} with {@code queues} queues of
     * 256 entries.
     *
     * @param serial    what the device answers to GET_ID
     * @param ioWorkers threads running the I/O (0: inline on the queue threads)
     */
    static ServedDisk start(Storage storage, Path socket, int queues, String serial, int ioWorkers)
            throws LinuxException {
        BlkDevice device = new BlkDevice(storage, new BlkOptions("blk0", queues, 256, serial, ioWorkers));
        return new ServedDisk(storage, device, new VhostUserBackend(device, socket, queues, null).start());
    }

    /** The back-end's counters, one entry a queue. */
    List<QueueStats> queueStats() {
        return backend.queueStats();
    }

    /** Front-ends that have connected so far. */
    int connections() {
        return backend.connections();
    }

    @Override
    public void close() {
        try {
            backend.close();
        } finally {
            try {
                device.close();
            } finally {
                storage.close();
            }
        }
    }
}
