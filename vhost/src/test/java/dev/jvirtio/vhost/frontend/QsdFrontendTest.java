package dev.jvirtio.vhost.frontend;

import java.nio.file.Path;

/** The front-end scenarios against qemu-storage-daemon 7.2, the reference vhost-user-blk back-end. */
class QsdFrontendTest extends FrontendScenarios {

    private QsdExport qsd;

    @Override
    Path startBackend(Path image, int queues) throws Exception {
        qsd = QsdExport.image(dir, image, queues);
        return qsd.socket();
    }

    @Override
    void stopBackend() throws Exception {
        if (qsd != null) {
            qsd.close();
        }
    }

    @Override
    String expectedSerial() {
        // block/export/vhost-user-blk-server.c answers GET_ID with this fixed string.
        return "vhost_user_blk";
    }
}
