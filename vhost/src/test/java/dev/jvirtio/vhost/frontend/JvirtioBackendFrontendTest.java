package dev.jvirtio.vhost.frontend;

import dev.jvirtio.blk.BlkDevice;
import dev.jvirtio.blk.BlkOptions;
import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.nio.file.Path;

/** The front-end scenarios against jvirtio's own back-end serving a raw image, in this JVM. */
class JvirtioBackendFrontendTest extends FrontendScenarios {

    private static final String SERIAL = "frontend-scenario";

    private RawStorage storage;
    private VhostUserBackend backend;

    @Override
    Path startBackend(Path image, int queues) throws Exception {
        storage = RawStorage.open(image, CacheMode.WRITEBACK, false);
        BlkDevice device = new BlkDevice(storage, new BlkOptions("blk0", queues, 256, SERIAL));
        backend = new VhostUserBackend(device, dir.resolve("jvirtio.sock"), queues, null).start();
        return backend.socketPath();
    }

    @Override
    void stopBackend() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (storage != null) {
            storage.close();
        }
    }

    @Override
    String expectedSerial() {
        return SERIAL;
    }
}
