package dev.jvirtio.cli.bench;

import dev.jvirtio.core.virtqueue.VirtqueueException;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.net.MacAddress;
import dev.jvirtio.net.NetDevice;
import dev.jvirtio.net.NetOptions;
import dev.jvirtio.net.port.Switch;
import dev.jvirtio.net.port.SwitchPort;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import dev.jvirtio.vhost.frontend.NetFrontend;
import dev.jvirtio.vhost.protocol.VhostUserException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One measurement of the virtio-net data path: two jvirtio virtio-net back-ends joined by the
 * in-process switch, each driven over vhost-user by jvirtio's {@link NetFrontend}; one front-end
 * sends the same frame as fast as its transmit queue takes it, the other counts what arrives.
 */
final class NetBench {

    /** The frames measured: Ethernet length and whether the frame is a TCP segmentation offload frame. */
    enum FrameKind {
        SMALL("64 B", 64, false),
        MTU("1500 B", 1514, false),
        TSO("64 KiB TSO", 14 + 20 + 20 + 65000, true);

        final String label;
        final int ethernetBytes;
        final boolean tso;

        FrameKind(String label, int ethernetBytes, boolean tso) {
            this.label = label;
            this.ethernetBytes = ethernetBytes;
            this.tso = tso;
        }
    }

    /**
     * What one run measured at the receiver in the measured time, and the frames sent and received
     * over the whole run, warm-up included.
     */
    record Result(FrameKind kind, double seconds, long frames, long bytes, long sentTotal, long receivedTotal,
                  long switchDrops) {
        double packetsPerSecond() {
            return frames / seconds;
        }

        double gigabitsPerSecond() {
            return bytes * 8.0 / seconds / 1e9;
        }
    }

    private static final MacAddress SENDER = MacAddress.parse("52:54:00:00:03:0a");
    private static final MacAddress RECEIVER = MacAddress.parse("52:54:00:00:03:0b");
    private static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private NetBench() {
    }

    /** The frame with its {@code virtio_net_hdr_v1}, from the sender to the receiver. */
    static MemorySegment frame(FrameKind kind, Arena arena) {
        ByteBuffer b = ByteBuffer.allocate(NetFrontend.HEADER_SIZE + kind.ethernetBytes);
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (kind.tso) {
            // NEEDS_CSUM, GSO_TCPV4, hdr_len 54, gso_size 1448, checksum at 34 + 16 (VIRTIO 1.2, 5.1.6).
            b.put((byte) 1).put((byte) 1).putShort((short) 54).putShort((short) 1448).putShort((short) 34).putShort((short) 16);
        } else {
            b.put(new byte[10]);
        }
        b.putShort((short) 0);
        b.order(ByteOrder.BIG_ENDIAN);
        b.put(RECEIVER.octets()).put(SENDER.octets()).putShort((short) 0x0800);
        int ipLength = kind.ethernetBytes - 14;
        b.put((byte) 0x45).put((byte) 0).putShort((short) Math.min(ipLength, 0xffff)).putInt(0).put((byte) 64).put((byte) 6)
                .putShort((short) 0).put(new byte[] {(byte) 198, 51, 100, 10}).put(new byte[] {(byte) 198, 51, 100, 11});
        MemorySegment s = arena.allocate(b.capacity(), 64);
        MemorySegment.copy(MemorySegment.ofArray(b.array()), 0, s, 0, b.capacity());
        return s;
    }

    /**
     * Runs one measurement: {@code warmupSeconds} unmeasured, then {@code seconds} measured.
     *
     * @throws BenchException with one sentence if the back-ends or front-ends cannot be set up
     */
    static Result run(FrameKind kind, double seconds, double warmupSeconds, int queueSize) throws BenchException {
        Path dir;
        try {
            dir = Files.createTempDirectory("jvirtio-bench-net");
        } catch (IOException e) {
            throw new BenchException("cannot create a folder for the sockets: " + e.getMessage(), e);
        }
        Path senderSocket = dir.resolve("sender.sock");
        Path receiverSocket = dir.resolve("receiver.sock");
        try (Switch fabric = new Switch(4096);
             SwitchPort senderPort = fabric.addPort("sender", 1);
             SwitchPort receiverPort = fabric.addPort("receiver", 1);
             Arena arena = Arena.ofShared()) {
            NetDevice senderDevice = new NetDevice(NetOptions.of("bench-tx", 1, SENDER), senderPort);
            NetDevice receiverDevice = new NetDevice(NetOptions.of("bench-rx", 1, RECEIVER), receiverPort);
            try (VhostUserBackend sb = new VhostUserBackend(senderDevice, senderSocket, 1, null).start();
                 VhostUserBackend rb = new VhostUserBackend(receiverDevice, receiverSocket, 1, null).start();
                 NetFrontend sender = NetFrontend.connect(senderSocket, queueSize, 4096, NetFrontend.HEADER_SIZE + kind.ethernetBytes, true);
                 NetFrontend receiver = NetFrontend.connect(receiverSocket, queueSize, 4096, 2048, true)) {
                MemorySegment frame = frame(kind, arena);
                long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
                long end = warmupEnd + (long) (seconds * 1e9);
                AtomicReference<Exception> failure = new AtomicReference<>();
                Thread transmitter = Thread.ofPlatform().name("jvirtio-bench-net-tx").start(() -> {
                    try {
                        while (System.nanoTime() < end) {
                            sender.reapSent();
                            if (sender.send(frame, Integer.MAX_VALUE) == 0) {
                                sender.awaitSent(WAIT_NANOS);
                            }
                        }
                    } catch (LinuxException | VirtqueueException e) {
                        failure.set(e);
                    }
                });
                long startFrames = -1;
                long startBytes = 0;
                long startNanos = 0;
                long now;
                while ((now = System.nanoTime()) < end) {
                    if (startFrames < 0 && now >= warmupEnd) {
                        startFrames = receiver.receivedFrames();
                        startBytes = receiver.receivedBytes();
                        startNanos = now;
                    }
                    if (receiver.receive() == 0) {
                        receiver.awaitReceive(WAIT_NANOS);
                    }
                }
                transmitter.join();
                if (failure.get() != null) {
                    throw new BenchException("the sending front-end failed: " + failure.get().getMessage(), failure.get());
                }
                double measured = (now - startNanos) / 1e9;
                long drops = 0;
                for (Switch.Drop d : Switch.Drop.values()) {
                    drops += fabric.drops(d);
                }
                return new Result(kind, measured, receiver.receivedFrames() - startFrames, receiver.receivedBytes() - startBytes,
                        sender.sentFrames(), receiver.receivedFrames(), drops);
            }
        } catch (VhostUserException | LinuxException | VirtqueueException e) {
            throw new BenchException("the virtio-net benchmark could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        } finally {
            try {
                Files.deleteIfExists(senderSocket);
                Files.deleteIfExists(receiverSocket);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a temporary folder left behind is harmless
            }
        }
    }
}
