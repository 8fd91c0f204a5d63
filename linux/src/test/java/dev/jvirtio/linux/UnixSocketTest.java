package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTest {

    @TempDir
    Path dir;

    @Test
    void aMemfdSentWithAMessageArrivesAsAWorkingMemfdOfTheSameMemory() throws Exception {
        long page = Mmap.pageSize();
        long pattern = new Random().nextLong();
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket frontEnd = ends[0];
             UnixSocket backEnd = ends[1];
             Fd memory = MemFd.create("shared-region", page);
             Arena arena = Arena.ofConfined()) {
            MemorySegment frontView = Mmap.map(memory, 0, page, true, arena);
            frontView.set(JAVA_LONG, 0, pattern);

            MemorySegment header = arena.allocate(12);
            header.set(JAVA_LONG, 0, 0x0123_4567_89ab_cdefL);
            frontEnd.send(header, new int[] {memory.value()});

            MemorySegment received = arena.allocate(12);
            Received message = backEnd.recvExactly(received, 8);
            assertThat(message.eof()).isFalse();
            assertThat(message.bytes()).isEqualTo(12);
            assertThat(received.mismatch(header)).isEqualTo(-1);
            assertThat(message.fds()).hasSize(1);
            try (Fd region = message.fds().getFirst()) {
                assertThat(region.value()).isNotEqualTo(memory.value());
                MemorySegment backView = Mmap.map(region, 0, page, true, arena);
                assertThat(backView.get(JAVA_LONG, 0)).isEqualTo(pattern);
                backView.set(JAVA_LONG, 8, ~pattern);
                assertThat(frontView.get(JAVA_LONG, 8)).isEqualTo(~pattern);
            }
        }
    }

    @Test
    void aClientConnectsToAListenerAndTheyTalkBothWays() throws Exception {
        Path path = dir.resolve("backend.sock");
        try (UnixSocket listener = UnixSocket.listen(path);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept();
             Arena arena = Arena.ofConfined()) {
            client.send(text(arena, "GET_FEATURES"));
            assertThat(receiveText(server, arena, "GET_FEATURES".length())).isEqualTo("GET_FEATURES");
            server.send(text(arena, "reply"));
            assertThat(receiveText(client, arena, "reply".length())).isEqualTo("reply");
        }
    }

    @Test
    void recvExactlyJoinsAMessageThatArrivesInPiecesWithItsFds() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket sender = ends[0];
             UnixSocket receiver = ends[1];
             EventFd kick = EventFd.create();
             EventFd call = EventFd.create();
             Arena arena = Arena.ofConfined()) {
            sender.send(text(arena, "first"), new int[] {kick.fd().value(), call.fd().value()});
            sender.send(text(arena, "-second"));

            MemorySegment buffer = arena.allocate("first-second".length());
            Received message = receiver.recvExactly(buffer, 8);
            assertThat(new String(buffer.toArray(JAVA_BYTE), StandardCharsets.US_ASCII)).isEqualTo("first-second");
            assertThat(message.fds()).hasSize(2);
            try (EventFd receivedKick = EventFd.wrap(message.fds().get(0));
                 EventFd receivedCall = EventFd.wrap(message.fds().get(1))) {
                receivedKick.signal();
                receivedCall.add(3);
                assertThat(kick.drain()).isEqualTo(1);
                assertThat(call.drain()).isEqualTo(3);
            }
        }
    }

    @Test
    void aPeerThatClosesIsAnEndOfStreamNotAnError() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket receiver = ends[1];
             Arena arena = Arena.ofConfined()) {
            try (UnixSocket sender = ends[0]) {
                sender.send(text(arena, "abc"));
            }
            Received partial = receiver.recvExactly(arena.allocate(8), 0);
            assertThat(partial.eof()).isTrue();
            assertThat(partial.bytes()).isEqualTo(3);
            Received nothing = receiver.recv(arena.allocate(8), 4);
            assertThat(nothing.eof()).isTrue();
            assertThat(nothing.bytes()).isZero();
            assertThat(nothing.fds()).isEmpty();
        }
    }

    @Test
    void moreFdsThanExpectedAreClosedAndReported() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket sender = ends[0];
             UnixSocket receiver = ends[1];
             Fd a = MemFd.create("a", 0);
             Fd b = MemFd.create("b", 0);
             Fd c = MemFd.create("c", 0);
             Arena arena = Arena.ofConfined()) {
            sender.send(text(arena, "x"), new int[] {a.value(), b.value(), c.value()});
            long openBefore = ProcessFds.count();
            assertThatThrownBy(() -> receiver.recv(arena.allocate(1), 1))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isZero())
                    .hasMessageContaining("recvmsg(fd=" + receiver.fd().value() + ", maxFds=1)")
                    .hasMessageContaining("more file descriptors");
            assertThat(ProcessFds.count()).isEqualTo(openBefore);
        }
    }

    @Test
    void fdsSentToAReceiverThatExpectsNoneAreRefused() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket sender = ends[0];
             UnixSocket receiver = ends[1];
             Fd unexpected = MemFd.create("unexpected", 0);
             Arena arena = Arena.ofConfined()) {
            sender.send(text(arena, "y"), new int[] {unexpected.value()});
            long openBefore = ProcessFds.count();
            assertThatThrownBy(() -> receiver.recv(arena.allocate(1), 0)).isInstanceOf(LinuxException.class);
            assertThat(ProcessFds.count()).isEqualTo(openBefore);
        }
    }

    @Test
    void arbitraryBytesAndChunkingArriveIntact() throws Exception {
        Random random = new Random();
        byte[] payload = new byte[200_000];
        random.nextBytes(payload);
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket sender = ends[0];
             UnixSocket receiver = ends[1];
             Arena arena = Arena.ofShared()) {
            MemorySegment source = arena.allocateFrom(JAVA_BYTE, payload);
            // Larger than the socket buffer: the send completes only while the receiver reads.
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    sender.send(source);
                } catch (LinuxException e) {
                    throw new IllegalStateException(e);
                }
            });
            MemorySegment target = arena.allocate(payload.length);
            Received all = receiver.recvExactly(target, 0);
            sent.get(30, TimeUnit.SECONDS);
            assertThat(all.bytes()).isEqualTo(payload.length);
            assertThat(target.toArray(JAVA_BYTE)).isEqualTo(payload);
        }
    }

    @Test
    void sendingToAClosedPeerIsABrokenPipeNotASignal() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        ends[1].close();
        try (UnixSocket sender = ends[0];
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> sender.send(text(arena, "anyone?")))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPIPE))
                    .hasMessageStartingWith("sendmsg(");
        }
    }

    @Test
    void shutdownWakesAThreadBlockedInReceive() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket waiting = ends[0];
             UnixSocket peer = ends[1];
             Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(16);
            CompletableFuture<Received> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return waiting.recv(buffer, 0);
                } catch (LinuxException e) {
                    throw new IllegalStateException(e);
                }
            });
            waiting.shutdown();
            assertThat(blocked.get(10, TimeUnit.SECONDS).eof()).isTrue();
            assertThat(peer.recv(buffer, 0).eof()).as("the peer sees the shutdown too").isTrue();
        }
    }

    @Test
    void aPathWithALiveListenerIsReportedAsInUse() throws Exception {
        Path path = dir.resolve("busy.sock");
        try (UnixSocket first = UnixSocket.listen(path)) {
            assertThatThrownBy(() -> UnixSocket.listen(path))
                    .isInstanceOfSatisfying(LinuxException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EADDRINUSE))
                    .hasMessageStartingWith("bind(path=" + path + ")")
                    .hasMessageContaining("another process is listening on " + path);
            // The live socket survives the failed attempt.
            try (UnixSocket client = UnixSocket.connect(path);
                 UnixSocket server = first.accept()) {
                assertThat(server.fd().isOpen() && client.fd().isOpen()).isTrue();
            }
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path path = dir.resolve("stale.sock");
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(path));
        }
        assertThat(path).exists();
        try (UnixSocket listener = UnixSocket.listen(path);
             UnixSocket client = UnixSocket.connect(path);
             UnixSocket server = listener.accept();
             Arena arena = Arena.ofConfined()) {
            client.send(text(arena, "hi"));
            assertThat(receiveText(server, arena, 2)).isEqualTo("hi");
        }
    }

    @Test
    void aFileThatIsNotASocketIsNeverRemoved() throws Exception {
        Path path = dir.resolve("precious.txt");
        Files.writeString(path, "keep me");
        assertThatThrownBy(() -> UnixSocket.listen(path))
                .isInstanceOf(LinuxException.class)
                .hasMessageContaining(path + " exists and is not a socket");
        assertThat(path).hasContent("keep me");
    }

    @Test
    void closingAListenerRemovesItsSocketFile() throws Exception {
        Path path = dir.resolve("tidy.sock");
        UnixSocket listener = UnixSocket.listen(path);
        assertThat(path).exists();
        listener.close();
        assertThat(path).doesNotExist();
    }

    @Test
    void aPathTooLongForSunPathIsExplained() {
        Path path = dir.resolve("x".repeat(120) + ".sock");
        assertThatThrownBy(() -> UnixSocket.listen(path))
                .isInstanceOfSatisfying(LinuxException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.ENAMETOOLONG))
                .hasMessageContaining("at most 107 bytes");
    }

    @Test
    void connectingToNothingNamesThePath() {
        Path path = dir.resolve("nobody.sock");
        assertThatThrownBy(() -> UnixSocket.connect(path))
                .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessage("connect(path=" + path + "): " + Errno.describe(Errno.ENOENT) + " (errno 2)");
    }

    @Test
    void badSendArgumentsAreRefused() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        try (UnixSocket sender = ends[0];
             UnixSocket receiver = ends[1];
             Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> sender.send(arena.allocate(0), new int[] {0}))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> sender.send(arena.allocate(1), new int[] {-3}))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> sender.send(arena.allocate(1), new int[UnixSocket.MAX_FDS + 1]))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> receiver.recv(arena.allocate(1), UnixSocket.MAX_FDS + 1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static MemorySegment text(Arena arena, String text) {
        return arena.allocateFrom(JAVA_BYTE, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String receiveText(UnixSocket socket, Arena arena, int length) throws LinuxException {
        MemorySegment buffer = arena.allocate(length);
        Received received = socket.recvExactly(buffer, 0);
        assertThat(received.eof()).isFalse();
        return new String(buffer.toArray(JAVA_BYTE), StandardCharsets.US_ASCII);
    }
}
