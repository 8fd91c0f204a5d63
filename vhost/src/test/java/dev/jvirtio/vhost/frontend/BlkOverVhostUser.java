package dev.jvirtio.vhost.frontend;

import dev.jvirtio.blk.driver.BlkDriver;
import dev.jvirtio.blk.driver.BlkDriverOptions;
import java.nio.file.Path;

/** jvirtio's virtio-blk driver carried by a {@link VhostUserDevice}: the client the scenarios use. */
final class BlkOverVhostUser implements AutoCloseable {

    final VhostUserDevice device;
    final BlkDriver driver;

    BlkOverVhostUser(Path socket, int queues, BlkDriverOptions options) throws Exception {
        this.device = VhostUserDevice.start(socket, new VhostUserDevice.Setup(BlkDriver.features(true), queues, 256,
                BlkDriver.MAX_INDIRECT, BlkDriver.CONFIG_SIZE, BlkDriver.bufferBytes(queues, options)));
        this.driver = BlkDriver.open(device, options);
    }

    @Override
    public void close() {
        device.close();
    }
}
