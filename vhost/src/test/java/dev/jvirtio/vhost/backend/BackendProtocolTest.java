package dev.jvirtio.vhost.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.linux.UnixSocket;
import dev.jvirtio.vhost.protocol.ConfigPayload;
import dev.jvirtio.vhost.protocol.Message;
import dev.jvirtio.vhost.protocol.ProtocolFeature;
import dev.jvirtio.vhost.protocol.Request;
import dev.jvirtio.vhost.protocol.VhostUserChannel;
import dev.jvirtio.vhost.protocol.VringState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The back-end's answers to the front-end messages QEMU sends, and its handling of hostile ones. */
@Timeout(30)
class BackendProtocolTest {

    @TempDir
    Path dir;
    EchoDevice device;
    VhostUserBackend backend;

    @BeforeEach
    void start() throws Exception {
        device = new EchoDevice();
        backend = new VhostUserBackend(device, dir.resolve("echo.sock"), 1, null).start();
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    private VhostUserChannel connect() throws Exception {
        return new VhostUserChannel(UnixSocket.connect(backend.socketPath()));
    }

    private static Message ask(VhostUserChannel c, Request r, byte[] payload, int flags) throws Exception {
        c.send(new Message(r.code(), Message.VERSION | flags, payload, java.util.List.of()));
        Message reply = c.receive();
        assertThat(reply).as("reply to " + r).isNotNull();
        assertThat(reply.requestCode()).isEqualTo(r.code());
        // vhost-user.rst: replies carry version 1 and the reply flag, exactly.
        assertThat(reply.flags()).isEqualTo(Message.VERSION | Message.REPLY);
        return reply;
    }

    @Test
    void realizeSequenceAsQemuSendsIt() throws Exception {
        try (VhostUserChannel c = connect()) {
            long features = ask(c, Request.GET_FEATURES, new byte[0], 0).u64();
            assertThat(features & (1L << ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES)).isNotZero();
            assertThat(features & device.offeredFeatures()).isEqualTo(device.offeredFeatures());

            long protocol = ask(c, Request.GET_PROTOCOL_FEATURES, new byte[0], 0).u64();
            assertThat(ProtocolFeature.CONFIG.in(protocol)).isTrue();
            assertThat(ProtocolFeature.REPLY_ACK.in(protocol)).isTrue();
            assertThat(ProtocolFeature.INFLIGHT_SHMFD.in(protocol)).as("not offered: it obliges GET_INFLIGHT_FD").isFalse();

            // SET_PROTOCOL_FEATURES with need_reply: REPLY_ACK is not yet negotiated when it is handled,
            // so the ack comes only for later messages.
            c.send(new Message(Request.SET_PROTOCOL_FEATURES.code(), Message.VERSION, Message.u64Payload(protocol), java.util.List.of()));
            assertThat(ask(c, Request.GET_QUEUE_NUM, new byte[0], 0).u64()).isEqualTo(device.maxQueues());
            assertThat(ask(c, Request.GET_MAX_MEM_SLOTS, new byte[0], 0).u64()).isPositive();
            Message ack = ask(c, Request.SET_OWNER, new byte[0], Message.NEED_REPLY);
            assertThat(ack.u64()).as("REPLY_ACK success").isZero();

            ask(c, Request.SET_FEATURES, Message.u64Payload(features), Message.NEED_REPLY);
            assertThat(device.activated).isEqualTo(device.offeredFeatures());

            byte[] request = new ConfigPayload(4, 8, 0, new byte[8]).encode();
            Message config = ask(c, Request.GET_CONFIG, request, 0);
            // QEMU rejects a GET_CONFIG reply that is not exactly 12 + size bytes.
            assertThat(config.payload()).hasSize(ConfigPayload.HEADER + 8);
            ConfigPayload got = ConfigPayload.decode(config);
            assertThat(got.data()).containsExactly(4, 5, 6, 7, 8, 9, 10, 11);

            Message base = ask(c, Request.GET_VRING_BASE, new VringState(1, 0).encode(), 0);
            assertThat(VringState.decode(base)).isEqualTo(new VringState(1, 0));
        }
    }

    private void assertClosedByBackend(VhostUserChannel c) throws Exception {
        assertThat(c.receive()).as("the back-end closes the connection").isNull();
    }

    private void assertNextConnectionServed() throws Exception {
        try (VhostUserChannel c = connect()) {
            assertThat(ask(c, Request.GET_QUEUE_NUM, new byte[0], 0).u64()).isEqualTo(device.maxQueues());
        }
    }

    @Test
    void unknownRequestClosesTheConnectionAndTheNextOneIsServed() throws Exception {
        try (VhostUserChannel c = connect()) {
            c.send(new Message(999, Message.VERSION, new byte[0], java.util.List.of()));
            assertClosedByBackend(c);
        }
        assertNextConnectionServed();
        assertThat(backend.connections()).isEqualTo(2);
    }

    @Test
    void oversizedPayloadAnnouncementClosesTheConnection() throws Exception {
        try (VhostUserChannel c = connect(); Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(12);
            ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
            b.putInt(Request.GET_FEATURES.code()).putInt(Message.VERSION).putInt(Integer.MAX_VALUE);
            MemorySegment.copy(b.array(), 0, header, ValueLayout.JAVA_BYTE, 0, 12);
            c.socket().send(header);
            assertClosedByBackend(c);
        }
        assertNextConnectionServed();
    }

    @Test
    void wrongPayloadSizeClosesTheConnection() throws Exception {
        try (VhostUserChannel c = connect()) {
            c.send(new Message(Request.SET_FEATURES.code(), Message.VERSION, new byte[3], java.util.List.of()));
            assertClosedByBackend(c);
        }
        assertNextConnectionServed();
    }

    @Test
    void vringIndexOutOfRangeClosesTheConnection() throws Exception {
        try (VhostUserChannel c = connect()) {
            c.send(Message.request(Request.SET_VRING_NUM, new VringState(7, 128).encode()));
            assertClosedByBackend(c);
        }
        assertNextConnectionServed();
    }

    @Test
    void queueSizeNotAPowerOfTwoClosesTheConnection() throws Exception {
        try (VhostUserChannel c = connect()) {
            c.send(Message.request(Request.SET_VRING_NUM, new VringState(0, 100).encode()));
            assertClosedByBackend(c);
        }
        assertNextConnectionServed();
    }

    @Test
    void configRequestBeyondTheLimitClosesTheConnection() throws Exception {
        try (VhostUserChannel c = connect()) {
            ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder()).putInt(250).putInt(100).putInt(0);
            c.send(Message.request(Request.GET_CONFIG, b.array()));
            assertClosedByBackend(c);
        }
        assertNextConnectionServed();
    }

    @Test
    void memTableWithoutFdsClosesTheConnection() throws Exception {
        try (VhostUserChannel c = connect()) {
            ByteBuffer b = ByteBuffer.allocate(8 + 32).order(ByteOrder.nativeOrder()).putInt(1).putInt(0)
                    .putLong(0).putLong(4096).putLong(0x7000_0000L).putLong(0);
            c.send(Message.request(Request.SET_MEM_TABLE, b.array()));
            assertClosedByBackend(c);
        }
        assertNextConnectionServed();
    }

    @Test
    void disconnectResetsTheDevice() throws Exception {
        try (VhostUserChannel c = connect()) {
            ask(c, Request.GET_FEATURES, new byte[0], 0);
        }
        assertNextConnectionServed();
        assertThat(device.resets).isGreaterThanOrEqualTo(1);
    }
}
