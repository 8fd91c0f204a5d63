package dev.jvirtio.vhost.frontend;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.vhost.protocol.VhostUserException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A front-end pointed at the wrong path says so in one sentence that names the path. */
class ConnectErrorsTest {

    @TempDir
    Path dir;

    @Test
    void missingPath() {
        Path socket = dir.resolve("nobody-here.sock");
        assertThatThrownBy(() -> VhostUserFrontend.connect(socket))
                .isInstanceOf(VhostUserException.class)
                .hasMessage("no vhost-user socket at " + socket
                        + ": the path does not exist; start the back-end first or check the path");
    }

    @Test
    void regularFile() throws Exception {
        Path file = Files.writeString(dir.resolve("disk.img"), "not a socket");
        assertThatThrownBy(() -> VhostUserFrontend.connect(file))
                .isInstanceOf(VhostUserException.class)
                .hasMessage(file + " is not a socket: pass the path of a vhost-user back-end's socket");
    }

    @Test
    void directory() {
        assertThatThrownBy(() -> VhostUserFrontend.connect(dir))
                .isInstanceOf(VhostUserException.class)
                .hasMessage(dir + " is not a socket: pass the path of a vhost-user back-end's socket");
    }

    @Test
    void socketLeftBehindByAStoppedBackend() throws Exception {
        Path socket = dir.resolve("stale.sock");
        // A closed JDK server channel leaves its socket file: exactly what a crashed back-end leaves.
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThatThrownBy(() -> VhostUserFrontend.connect(socket))
                .isInstanceOf(VhostUserException.class)
                .hasMessage("nothing listens on the vhost-user socket " + socket
                        + " (connection refused): the back-end has stopped; restart it");
    }
}
