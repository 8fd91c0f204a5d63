package dev.jvirtio.vhost.frontend;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.linux.UnixSocket;
import dev.jvirtio.vhost.protocol.ConfigPayload;
import dev.jvirtio.vhost.protocol.Message;
import dev.jvirtio.vhost.protocol.ProtocolFeature;
import dev.jvirtio.vhost.protocol.Request;
import dev.jvirtio.vhost.protocol.VhostUserChannel;
import dev.jvirtio.vhost.protocol.VhostUserException;
import dev.jvirtio.vhost.protocol.VringState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A back-end that answers with malformed or lying replies: the front-end reports each as a
 * {@link VhostUserException} naming the request, and never hangs or trusts the bytes.
 */
@Timeout(20)
class HostileBackendTest {

    @TempDir
    Path dir;
    private UnixSocket listener;
    private Thread server;

    /**
     * Serves one connection: for each request, {@code answer} gives the raw bytes to send back
     * (header and payload), an empty array to send nothing, or null to hang up.
     */
    private Path serve(Function<Message, byte[]> answer) throws Exception {
        Path path = dir.resolve("hostile.sock");
        listener = UnixSocket.listen(path);
        server = Thread.ofPlatform().start(() -> {
            try (VhostUserChannel channel = new VhostUserChannel(listener.accept())) {
                while (true) {
                    Message m = channel.receive();
                    if (m == null) {
                        return;
                    }
                    m.closeFds();
                    byte[] raw = answer.apply(m);
                    if (raw == null) {
                        return;
                    }
                    if (raw.length > 0) {
                        try (Arena arena = Arena.ofConfined()) {
                            channel.socket().send(arena.allocate(raw.length).copyFrom(MemorySegment.ofArray(raw)));
                        }
                    }
                }
            } catch (Exception ignored) {
                // the front-end hung up on us, as it should
            }
        });
        return path;
    }

    @AfterEach
    void stop() throws Exception {
        if (listener != null) {
            listener.shutdown();
            listener.close();
        }
        if (server != null) {
            server.join();
        }
    }

    private static byte[] raw(int code, int flags, byte[] payload) {
        return ByteBuffer.allocate(Message.HEADER_SIZE + payload.length).order(ByteOrder.nativeOrder())
                .putInt(code).putInt(flags).putInt(payload.length).put(payload).array();
    }

    private static byte[] reply(Message m, byte[] payload) {
        return raw(m.requestCode(), Message.VERSION | Message.REPLY, payload);
    }

    @Test
    void replyToAnotherRequest() throws Exception {
        Path socket = serve(m -> raw(Request.GET_PROTOCOL_FEATURES.code(), Message.VERSION | Message.REPLY,
                Message.u64Payload(1)));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(f::getFeatures).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_FEATURES: the back-end replied to GET_PROTOCOL_FEATURES");
        }
    }

    @Test
    void replyWithoutTheReplyFlag() throws Exception {
        Path socket = serve(m -> raw(m.requestCode(), Message.VERSION, Message.u64Payload(1)));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(f::getFeatures).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_FEATURES: reply has flags=0x1, expected version 1 with the reply bit");
        }
    }

    @Test
    void shortU64Reply() throws Exception {
        Path socket = serve(m -> reply(m, new byte[4]));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(f::getFeatures).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_FEATURES: payload size=4, expected 8");
        }
    }

    @Test
    void hugeAnnouncedPayload() throws Exception {
        Path socket = serve(m -> ByteBuffer.allocate(Message.HEADER_SIZE).order(ByteOrder.nativeOrder())
                .putInt(m.requestCode()).putInt(Message.VERSION | Message.REPLY).putInt(-1).array());
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(f::getFeatures).isInstanceOf(VhostUserException.class)
                    .hasMessageContaining("announces payload size=4294967295, limit " + Message.MAX_PAYLOAD);
        }
    }

    @Test
    void hangUpInsteadOfReplying() throws Exception {
        Path socket = serve(m -> null);
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(f::getFeatures).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_FEATURES: the back-end at " + socket + " closed the connection instead of replying");
        }
    }

    @Test
    void rejectedRequestUnderReplyAck() throws Exception {
        Path socket = serve(m -> m.request() == Request.SET_PROTOCOL_FEATURES ? new byte[0]
                : reply(m, Message.u64Payload(m.needsReply() ? 1 : 0)));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            f.setProtocolFeatures(ProtocolFeature.REPLY_ACK.mask());
            assertThatThrownBy(f::setOwner).isInstanceOf(VhostUserException.class)
                    .hasMessage("SET_OWNER: the back-end rejected the request (status 1)");
        }
    }

    @Test
    void configRefusedWithAnEmptyReply() throws Exception {
        Path socket = serve(m -> reply(m, new byte[0]));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(() -> f.getConfig(0, 60)).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_CONFIG: the back-end refused to read 60 config bytes at offset 0");
        }
    }

    @Test
    void configOfAnotherSize() throws Exception {
        Path socket = serve(m -> reply(m, new ConfigPayload(0, 8, 0, new byte[8]).encode()));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(() -> f.getConfig(0, 60)).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_CONFIG: asked for offset=0 size=60, the back-end answered offset=0 size=8");
        }
    }

    @Test
    void configLyingAboutItsLength() throws Exception {
        byte[] lying = new ConfigPayload(0, 60, 0, new byte[60]).encode();
        ByteBuffer.wrap(lying).order(ByteOrder.nativeOrder()).putInt(4, 200);
        Path socket = serve(m -> reply(m, lying));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(() -> f.getConfig(0, 60)).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_CONFIG: payload size=72, expected 212");
        }
    }

    @Test
    void zeroQueues() throws Exception {
        Path socket = serve(m -> reply(m, Message.u64Payload(0)));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(f::getQueueNum).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_QUEUE_NUM: the back-end answered 0 queues");
        }
    }

    @Test
    void ringBaseOfAnotherQueue() throws Exception {
        Path socket = serve(m -> reply(m, new VringState(3, 17).encode()));
        try (VhostUserFrontend f = VhostUserFrontend.connect(socket)) {
            assertThatThrownBy(() -> f.getVringBase(0)).isInstanceOf(VhostUserException.class)
                    .hasMessage("GET_VRING_BASE: asked for queue 0, the back-end answered queue 3");
        }
    }

    @Test
    void backendWithoutVersion1IsRefusedAtStart() throws Exception {
        Path socket = serve(m -> switch (m.request()) {
            case GET_FEATURES -> reply(m, Message.u64Payload(1L << ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES));
            case GET_PROTOCOL_FEATURES -> reply(m, Message.u64Payload(ProtocolFeature.REPLY_ACK.mask()));
            case SET_PROTOCOL_FEATURES -> new byte[0];
            default -> reply(m, Message.u64Payload(0));
        });
        assertThatThrownBy(() -> VhostUserDevice.start(socket, new VhostUserDevice.Setup(-1L, 1, 8, 0, 0, 0)))
                .isInstanceOf(VhostUserException.class)
                .hasMessage("the back-end at " + socket
                        + " does not offer VIRTIO_F_VERSION_1; only modern virtio devices can be driven");
    }
}
