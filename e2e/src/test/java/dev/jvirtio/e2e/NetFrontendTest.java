package dev.jvirtio.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.net.DropReason;
import dev.jvirtio.net.MacAddress;
import dev.jvirtio.net.NetDevice;
import dev.jvirtio.net.NetOptions;
import dev.jvirtio.net.port.Switch;
import dev.jvirtio.net.port.SwitchPort;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import dev.jvirtio.vhost.frontend.NetFrontend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jvirtio's own virtio-net driver on both ends of the switch, each over a vhost-user connection to
 * its own back-end in this process: every frame arrives whole and in order, malformed ones are
 * dropped and counted at the sender's device.
 */
@Timeout(60)
class NetFrontendTest {

    private static final MacAddress A = MacAddress.parse("52:54:00:00:02:0a");
    private static final MacAddress B = MacAddress.parse("52:54:00:00:02:0b");

    @TempDir
    Path dir;

    /** Header, then an Ethernet frame from A to B of {@code length} bytes, random after the MACs and EtherType. */
    private static byte[] frame(byte[] header, int length, Random random) {
        ByteBuffer b = ByteBuffer.allocate(header.length + length);
        b.put(header).put(B.octets()).put(A.octets()).putShort((short) 0x88b5);
        byte[] rest = new byte[length - 14];
        random.nextBytes(rest);
        return b.put(rest).array();
    }

    private static byte[] header(int flags, int gso, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).put((byte) flags).put((byte) gso)
                .putShort((short) hdrLen).putShort((short) gsoSize).putShort((short) csumStart).putShort((short) csumOffset)
                .putShort((short) 0).array();
    }

    @Test
    void framesOfEverySizeCrossTheSwitchWholeAndInOrder() throws Exception {
        Random random = new Random(11);
        List<byte[]> frames = new ArrayList<>();
        for (int length : new int[] {60, 64, 100, 1000, 1514, 1518, 3000, 9014}) {
            frames.add(frame(header(0, 0, 0, 0, 0, 0), Math.min(length, 1518), random));
        }
        // A TCP/IPv4 segmentation offload frame of 64 KiB: the sizes the fields name are checked.
        byte[] tso = frame(header(1, 1, 54, 1448, 34, 16), 65000, random);
        ByteBuffer.wrap(tso).put(12 + 12, (byte) 0x08).put(12 + 13, (byte) 0x00);
        frames.add(tso);
        byte[] malformed = frame(header(2, 0, 0, 0, 0, 0), 200, random);

        try (Switch fabric = new Switch(); SwitchPort pa = fabric.addPort("a", 1); SwitchPort pb = fabric.addPort("b", 1)) {
            NetDevice a = new NetDevice(NetOptions.of("fa", 1, A), pa);
            NetDevice b = new NetDevice(NetOptions.of("fb", 1, B), pb);
            try (VhostUserBackend ba = new VhostUserBackend(a, dir.resolve("a.sock"), 1, null).start();
                 VhostUserBackend bb = new VhostUserBackend(b, dir.resolve("b.sock"), 1, null).start();
                 NetFrontend sender = NetFrontend.connect(dir.resolve("a.sock"), 256, 4096, 70_000, true);
                 NetFrontend receiver = NetFrontend.connect(dir.resolve("b.sock"), 256, 4096, 2048, true);
                 Arena arena = Arena.ofConfined()) {
                assertThat(MacAddress.of(java.util.Arrays.copyOf(receiver.config(), 6))).isEqualTo(B);
                List<byte[]> toSend = new ArrayList<>(frames);
                toSend.add(3, malformed);
                for (byte[] f : toSend) {
                    MemorySegment s = arena.allocate(f.length);
                    MemorySegment.copy(f, 0, s, ValueLayout.JAVA_BYTE, 0, f.length);
                    assertThat(sender.send(s, 1)).isEqualTo(1);
                }
                List<byte[]> got = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (got.size() < frames.size() && System.nanoTime() < deadline) {
                    if (receiver.receive(got) == 0) {
                        receiver.awaitReceive(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                }
                assertThat(got).hasSize(frames.size());
                for (int i = 0; i < frames.size(); i++) {
                    byte[] expected = frames.get(i);
                    byte[] actual = got.get(i);
                    assertThat(actual.length).as("frame " + i).isEqualTo(expected.length);
                    assertThat(java.util.Arrays.copyOfRange(actual, 12, actual.length)).as("frame " + i + " bytes")
                            .isEqualTo(java.util.Arrays.copyOfRange(expected, 12, expected.length));
                    assertThat(java.util.Arrays.copyOf(actual, 10)).as("frame " + i + " header")
                            .isEqualTo(java.util.Arrays.copyOf(expected, 10));
                }
                assertThat(a.counters(1).drops(DropReason.BAD_HEADER)).isEqualTo(1);
                assertThat(a.counters(1).frames()).isEqualTo(frames.size());
                assertThat(b.counters(0).segmentationOffloadFrames()).isEqualTo(1);
                while (sender.sendsInFlight() > 0 && sender.awaitSent(TimeUnit.SECONDS.toNanos(5))) {
                    sender.reapSent();
                }
                assertThat(sender.sendsInFlight()).as("every transmit buffer came back").isZero();
            }
        }
    }
}
