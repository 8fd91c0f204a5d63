package dev.jvirtio.vhost.frontend;

import dev.jvirtio.blk.driver.BlkDriver;
import dev.jvirtio.blk.driver.BlkDriverOptions;
import java.nio.file.Path;
import java.time.Duration;

/** jvirtio's virtio-blk driver carried by a {@link VhostUserDevice}: the client the scenarios use. */
final class BlkOverVhostUser implements AutoCloseable {

    /**
     * A back-end's socket file appears at bind(), before listen(): a cold machine can take seconds
     * between the two, so the client retries a refused connect for this long.
     */
    static final Duration CONNECT_PATIENCE = Duration.ofSeconds(20);

    final VhostUserDevice device;
    final BlkDriver driver;

    BlkOverVhostUser(Path socket, int queues, BlkDriverOptions options) throws Exception {
        this.device = VhostUserDevice.start(socket, new VhostUserDevice.Setup(BlkDriver.features(true), queues, 256,
                BlkDriver.MAX_INDIRECT, BlkDriver.CONFIG_SIZE, BlkDriver.bufferBytes(queues, options)), CONNECT_PATIENCE);
        this.driver = BlkDriver.open(device, options);
    }

    @Override
    public void close() {
        device.close();
    }
}
