package dev.jvirtio.net;

import static dev.jvirtio.net.NetHeader.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.net.port.Switch;
import dev.jvirtio.net.port.SwitchPort;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two virtio-net devices on a switch, each driven by a test driver through real split rings: the
 * sender's transmit queue is drained as a transport would on a kick, the receiver's receive queue
 * is served by its handler on its port's event and on kicks.
 */
class NetDeviceTest {

    private static final long ALL = NetDevice.features();
    private static final long NO_MERGE = ALL & ~VirtioFeatures.bit(NetFeatures.MRG_RXBUF);
    private static final long NO_TSO = ALL & ~VirtioFeatures.of(NetFeatures.HOST_TSO4, NetFeatures.HOST_TSO6,
            NetFeatures.GUEST_TSO4, NetFeatures.GUEST_TSO6);

    private final Switch fabric = new Switch();
    private NetDevice sender;
    private NetDevice receiver;
    private NetRing senderTx;
    private NetRing receiverRx;
    private QueueHandler rx;

    private void connect(long senderFeatures, long receiverFeatures) throws Exception {
        SwitchPort a = fabric.addPort("a", 1);
        SwitchPort b = fabric.addPort("b", 1);
        sender = new NetDevice(NetOptions.of("a", 1, Frames.A), a);
        receiver = new NetDevice(NetOptions.of("b", 1, Frames.B), b);
        sender.activate(senderFeatures);
        receiver.activate(receiverFeatures);
        senderTx = new NetRing(256, senderFeatures, 4 << 20);
        receiverRx = new NetRing(256, receiverFeatures, 8 << 20);
        rx = receiver.handler(0);
        receiverRx.attach(rx);
    }

    @AfterEach
    void close() {
        if (rx != null) {
            rx.detach();
        }
        if (senderTx != null) {
            senderTx.close();
            receiverRx.close();
            sender.port().close();
            receiver.port().close();
        }
        fabric.close();
    }

    private void transmit(byte[]... frames) {
        for (byte[] f : frames) {
            senderTx.offer(f);
        }
        senderTx.drain(sender.processor(1));
        rx.eventReady();
    }

    private static int numBuffers(byte[] buffer) {
        return ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN).getShort(NUM_BUFFERS) & 0xffff;
    }

    private static byte[] withNumBuffers(byte[] frame, int n) {
        byte[] copy = frame.clone();
        copy[NUM_BUFFERS] = (byte) n;
        copy[NUM_BUFFERS + 1] = (byte) (n >> 8);
        return copy;
    }

    @Test
    void aFrameCrossesTheSwitchIntoTheReceiversBuffer() throws Exception {
        connect(ALL, ALL);
        receiverRx.post(8, 2048);
        byte[] frame = Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), Frames.ipv4(Frames.B, Frames.A, 17, 1000, 1));

        transmit(frame);

        List<byte[]> got = receiverRx.reap();
        assertThat(got).hasSize(1);
        assertThat(numBuffers(got.get(0))).isEqualTo(1);
        assertThat(got.get(0)).isEqualTo(withNumBuffers(frame, 1));
        assertThat(sender.counters(1).frames()).isEqualTo(1);
        assertThat(receiver.counters(0).frames()).isEqualTo(1);
        assertThat(receiver.counters(0).bytes()).isEqualTo(frame.length - SIZE);
        assertThat(receiverRx.notifications).as("the driver heard of the used buffer").isPositive();
        assertThat(senderTx.reap()).as("the transmit buffer came back with used length 0").containsExactly(new byte[0]);
    }

    @Test
    void hostileFramesAreDroppedAndCountedWhileAGoodOnePasses() throws Exception {
        connect(NO_TSO, ALL);
        receiverRx.post(8, 2048);
        byte[] good = Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), Frames.ipv4(Frames.B, Frames.A, 17, 200, 2));
        byte[] tcp = Frames.ipv4(Frames.B, Frames.A, 6, 8000, 3);

        transmit(new byte[7],
                Frames.join(Frames.header(F_DATA_VALID, GSO_NONE, 0, 0, 0, 0), Frames.ipv4(Frames.B, Frames.A, 17, 20, 4)),
                Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 54, 1448, Frames.TRANSPORT, 16), tcp),
                Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), Frames.ipv4(Frames.B, Frames.A, 17, 3000, 5)),
                Frames.join(Frames.header(F_NEEDS_CSUM, GSO_NONE, 0, 0, 0xfff0, 0x20), Frames.ipv4(Frames.B, Frames.A, 17, 20, 6)),
                good);

        assertThat(receiverRx.reap()).containsExactly(withNumBuffers(good, 1));
        NetQueueCounters tx = sender.counters(1);
        assertThat(tx.frames()).isEqualTo(1);
        assertThat(tx.drops(DropReason.SHORT_FRAME)).isEqualTo(1);
        assertThat(tx.drops(DropReason.BAD_HEADER)).isEqualTo(2);
        assertThat(tx.drops(DropReason.GSO_NOT_NEGOTIATED)).isEqualTo(1);
        assertThat(tx.drops(DropReason.OVERSIZED)).isEqualTo(1);
        assertThat(senderTx.reap()).as("every transmit buffer is returned").hasSize(6);
    }

    @Test
    void aSegmentationFrameSpansMergeableBuffersAndArrivesWhole() throws Exception {
        connect(ALL, ALL);
        int bufferSize = 4096;
        receiverRx.post(32, bufferSize);
        byte[] frame = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 54, 1448, Frames.TRANSPORT, 16),
                Frames.ipv4(Frames.B, Frames.A, 6, 20000, 7));
        int expectedBuffers = (frame.length + bufferSize - 1) / bufferSize;

        transmit(frame);

        List<byte[]> got = receiverRx.reap();
        assertThat(got).hasSize(expectedBuffers);
        assertThat(numBuffers(got.get(0))).isEqualTo(expectedBuffers);
        ByteBuffer whole = ByteBuffer.allocate(frame.length);
        got.forEach(whole::put);
        assertThat(whole.array()).isEqualTo(withNumBuffers(frame, expectedBuffers));
        assertThat(receiver.counters(0).segmentationOffloadFrames()).isEqualTo(1);
        assertThat(sender.counters(1).segmentationOffloadFrames()).isEqualTo(1);
    }

    @Test
    void framesWaitForBuffersAndFlowOnTheDriversNextKick() throws Exception {
        connect(ALL, ALL);
        byte[][] frames = new byte[3][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), Frames.ipv4(Frames.B, Frames.A, 17, 100 + i, 10 + i));
        }

        transmit(frames);
        assertThat(receiverRx.reap()).as("nothing can arrive without buffers").isEmpty();

        receiverRx.post(4, 2048);
        rx.kicked();

        assertThat(receiverRx.reap()).containsExactly(withNumBuffers(frames[0], 1), withNumBuffers(frames[1], 1),
                withNumBuffers(frames[2], 1));
        assertThat(receiver.counters(0).drops()).isZero();
    }

    @Test
    void withoutMergeableBuffersAFrameTooBigForTheBufferIsDroppedAndTheBufferServesTheNext() throws Exception {
        connect(ALL, NO_MERGE);
        receiverRx.post(1, 600);
        byte[] big = Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), Frames.ipv4(Frames.B, Frames.A, 17, 1400, 20));
        byte[] small = Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), Frames.ipv4(Frames.B, Frames.A, 17, 100, 21));

        transmit(big, small);

        assertThat(receiverRx.reap()).containsExactly(withNumBuffers(small, 1));
        assertThat(receiver.counters(0).drops(DropReason.RX_BUFFER_TOO_SMALL)).isEqualTo(1);
    }

    @Test
    void aSegmentationFrameForADriverWithoutGuestTsoIsDropped() throws Exception {
        connect(ALL, NO_TSO);
        receiverRx.post(32, 4096);
        byte[] tso = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 54, 1448, Frames.TRANSPORT, 16),
                Frames.ipv4(Frames.B, Frames.A, 6, 20000, 30));

        transmit(tso);

        assertThat(receiverRx.reap()).isEmpty();
        assertThat(receiver.counters(0).drops(DropReason.GSO_NOT_ACCEPTED)).isEqualTo(1);
    }

    @Test
    void theControlQueueAcknowledgesWhatItKnowsAndRefusesTheRest() throws Exception {
        SwitchPort port = fabric.addPort("c", 4);
        NetDevice device = new NetDevice(new NetOptions("c", 4, 256, Frames.A, 1500), port);
        device.activate(ALL);
        try (NetRing control = new NetRing(64, ALL, 1 << 20)) {
            byte[][] commands = {
                {0, 0, 1},              // RX PROMISC on
                {0, 1, 1},              // RX ALLMULTI on
                {4, 0, 3, 0},           // MQ VQ_PAIRS_SET 3
                {4, 0, 9, 0},           // MQ VQ_PAIRS_SET 9 > max
                {4, 0, 0, 0},           // MQ VQ_PAIRS_SET 0
                {1, 0, 0, 0, 0, 0, 0, 0, 0, 0},   // MAC_TABLE_SET, two empty tables
                {1, 0, 5, 0, 0, 0},      // MAC_TABLE_SET claiming 5 entries it lacks
                {9, 9},                 // unknown class
                {0},                    // truncated
            };
            for (byte[] c : commands) {
                control.command(c);
            }
            control.drain(device.processor(2 * 4));
            List<byte[]> acks = control.reap();
            assertThat(acks.stream().map(a -> (int) a[0]).toList()).containsExactly(0, 0, 0, 1, 1, 0, 1, 1, 1);
            assertThat(device.promiscuous()).isTrue();
            assertThat(device.allMulticast()).isTrue();
            assertThat(device.activePairs()).isEqualTo(3);
        } finally {
            port.close();
        }
    }

    @Test
    void theConfigSpaceReportsMacStatusPairsAndMtu() throws Exception {
        SwitchPort port = fabric.addPort("c", 2);
        MacAddress mac = MacAddress.parse("52:54:00:ab:cd:ef");
        NetDevice device = new NetDevice(new NetOptions("c", 2, 256, mac, 9000), port);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = arena.allocate(NetConfig.SIZE + 4);
            device.readConfig(0, config);
            byte[] bytes = config.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(Arrays.copyOf(bytes, 6)).isEqualTo(mac.octets());
            assertThat(b.getShort(NetConfig.STATUS)).isEqualTo((short) NetConfig.STATUS_LINK_UP);
            assertThat(b.getShort(NetConfig.MAX_VIRTQUEUE_PAIRS)).isEqualTo((short) 2);
            assertThat(b.getShort(NetConfig.MTU) & 0xffff).isEqualTo(9000);
            assertThat(b.getInt(NetConfig.SIZE)).as("bytes past the fields read as zero").isZero();
        } finally {
            port.close();
        }
        assertThat(device.maxQueues()).isEqualTo(5);
        assertThat(device.handler(4)).as("the control queue is served on kicks").isNull();
        assertThat(device.handler(2)).isNotNull();
    }
}
