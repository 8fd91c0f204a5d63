package dev.jvirtio.vhost.protocol;

import dev.jvirtio.linux.Fd;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.Received;
import dev.jvirtio.linux.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes vhost-user messages on a connected AF_UNIX stream socket. Framing is checked
 * before anything is allocated: a header announcing more than {@link Message#MAX_PAYLOAD} bytes, or
 * more than {@link Message#MAX_FDS} fds, is a protocol error.
 *
 * <p>One thread receives and one thread sends at a time; the channel owns the socket.
 */
public final class VhostUserChannel implements AutoCloseable {

    private static final ValueLayout.OfInt NATIVE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private final UnixSocket socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receiveBuffer = arena.allocate(Message.HEADER_SIZE + Message.MAX_PAYLOAD, 8);

    public VhostUserChannel(UnixSocket socket) {
        this.socket = socket;
    }

    public UnixSocket socket() {
        return socket;
    }

    /**
     * Receives one message.
     *
     * @return the message, or null if the peer closed the connection at a message boundary
     * @throws VhostUserException on a framing violation or a connection closed mid-message
     * @throws LinuxException     on a socket error
     */
    public Message receive() throws VhostUserException, LinuxException {
        MemorySegment header = receiveBuffer.asSlice(0, Message.HEADER_SIZE);
        Received h = socket.recvExactly(header, Message.MAX_FDS);
        if (h.eof()) {
            if (h.bytes() == 0) {
                return null;
            }
            throw new VhostUserException("connection closed inside a message header after " + h.bytes() + " bytes");
        }
        List<Fd> fds = new ArrayList<>(h.fds());
        try {
            int code = header.get(NATIVE_INT, 0);
            int flags = header.get(NATIVE_INT, 4);
            int size = header.get(NATIVE_INT, 8);
            if (size < 0 || size > Message.MAX_PAYLOAD) {
                throw new VhostUserException("message " + code + " announces payload size="
                        + Integer.toUnsignedString(size) + ", limit " + Message.MAX_PAYLOAD);
            }
            byte[] payload = new byte[size];
            if (size > 0) {
                MemorySegment body = receiveBuffer.asSlice(Message.HEADER_SIZE, size);
                Received p = socket.recvExactly(body, Message.MAX_FDS - fds.size());
                if (p.eof()) {
                    throw new VhostUserException("connection closed inside message " + code + " after "
                            + p.bytes() + " of " + size + " payload bytes");
                }
                fds.addAll(p.fds());
                MemorySegment.copy(body, ValueLayout.JAVA_BYTE, 0, payload, 0, size);
            }
            return new Message(code, flags, payload, fds);
        } catch (VhostUserException | RuntimeException e) {
            fds.forEach(Fd::close);
            throw e;
        }
    }

    /** Sends one message with its fds in a single sendmsg. */
    public void send(Message message) throws LinuxException {
        byte[] header = message.header();
        byte[] payload = message.payload();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(header.length + payload.length);
            MemorySegment.copy(header, 0, out, ValueLayout.JAVA_BYTE, 0, header.length);
            MemorySegment.copy(payload, 0, out, ValueLayout.JAVA_BYTE, header.length, payload.length);
            int[] fds = message.fds().stream().mapToInt(Fd::value).toArray();
            socket.send(out, fds);
        }
    }

    /** Wakes a thread blocked in {@link #receive()}: it sees end of stream. */
    public void shutdown() {
        try {
            socket.shutdown();
        } catch (LinuxException | IllegalStateException ignored) {
            // already disconnected or closed
        }
    }

    @Override
    public void close() {
        socket.close();
        arena.close();
    }
}
