package dev.jvirtio.cli.bench;

import dev.jvirtio.blk.driver.BlkDriver;
import dev.jvirtio.blk.driver.BlkDriverOptions;
import dev.jvirtio.blk.driver.BlkIoException;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.vhost.frontend.VhostUserDevice;
import dev.jvirtio.vhost.protocol.VhostUserException;
import java.nio.file.Path;
import java.time.Duration;

/** A virtio-blk driver connected to a vhost-user-blk back-end's socket. */
final class BlkClient implements AutoCloseable {

    /** How long a back-end that has created its socket may take to listen on it. */
    private static final Duration CONNECT_PATIENCE = Duration.ofSeconds(5);

    private final VhostUserDevice device;
    private final BlkDriver driver;

    private BlkClient(VhostUserDevice device, BlkDriver driver) {
        this.device = device;
        this.driver = driver;
    }

    /**
     * Connects to {@code socket}, starts {@code queues} queues of {@code queueSize} entries and
     * prepares the driver.
     *
     * @throws BenchException with one sentence if the back-end cannot be reached or driven
     */
    static BlkClient connect(Path socket, int queues, int queueSize, BlkDriverOptions options) throws BenchException {
        VhostUserDevice device;
        try {
            device = VhostUserDevice.start(socket, new VhostUserDevice.Setup(BlkDriver.features(true), queues, queueSize,
                    BlkDriver.MAX_INDIRECT, BlkDriver.CONFIG_SIZE, BlkDriver.bufferBytes(queues, options)),
                    CONNECT_PATIENCE);
        } catch (VhostUserException | LinuxException e) {
            throw new BenchException(e.getMessage(), e);
        }
        try {
            return new BlkClient(device, BlkDriver.open(device, options));
        } catch (BlkIoException e) {
            device.close();
            throw new BenchException(e.getMessage(), e);
        }
    }

    BlkDriver driver() {
        return driver;
    }

    VhostUserDevice device() {
        return device;
    }

    /** Stops the queues (best effort) and disconnects. */
    @Override
    public void close() {
        device.stopAndClose();
    }
}
