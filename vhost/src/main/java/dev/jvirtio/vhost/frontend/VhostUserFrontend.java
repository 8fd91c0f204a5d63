package dev.jvirtio.vhost.frontend;

import dev.jvirtio.linux.Errno;
import dev.jvirtio.linux.Fd;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.UnixSocket;
import dev.jvirtio.vhost.protocol.ConfigPayload;
import dev.jvirtio.vhost.protocol.MemoryRegionDescription;
import dev.jvirtio.vhost.protocol.Message;
import dev.jvirtio.vhost.protocol.ProtocolFeature;
import dev.jvirtio.vhost.protocol.Request;
import dev.jvirtio.vhost.protocol.VhostUserChannel;
import dev.jvirtio.vhost.protocol.VhostUserException;
import dev.jvirtio.vhost.protocol.VringAddress;
import dev.jvirtio.vhost.protocol.VringState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;

/**
 * The front-end (client) side of one vhost-user connection (QEMU docs/interop/vhost-user.rst): one
 * method per front-end request, each sent and, where the protocol has a reply, answered before it
 * returns.
 *
 * <p>Once {@link ProtocolFeature#REPLY_ACK} is negotiated, every request that has no reply of its
 * own is sent with the NEED_REPLY flag and its u64 acknowledgement checked, so a back-end that
 * rejects a request is reported at that request.
 *
 * <p>Thread-safety: the methods are synchronized; one request is on the wire at a time.
 */
public final class VhostUserFrontend implements AutoCloseable {

    private final Path socketPath;
    private final VhostUserChannel channel;
    private boolean replyAck;

    private VhostUserFrontend(Path socketPath, VhostUserChannel channel) {
        this.socketPath = socketPath;
        this.channel = channel;
    }

    /**
     * Connects to the back-end listening at {@code socketPath}.
     *
     * @throws VhostUserException with one sentence naming the path if nothing exists there, it is
     *     not a socket, or nobody listens on it
     */
    public static VhostUserFrontend connect(Path socketPath) throws VhostUserException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new VhostUserException("no vhost-user socket at " + socketPath
                    + ": the path does not exist; start the back-end first or check the path");
        }
        if (!attributes.isOther() || attributes.isSymbolicLink()) {
            throw new VhostUserException(socketPath + " is not a socket: pass the path of a vhost-user back-end's socket");
        }
        try {
            return new VhostUserFrontend(socketPath, new VhostUserChannel(UnixSocket.connect(socketPath)));
        } catch (LinuxException e) {
            if (e.errno() == Errno.ECONNREFUSED) {
                throw new VhostUserException("nothing listens on the vhost-user socket " + socketPath
                        + " (connection refused): the back-end has stopped; restart it", e);
            }
            if (e.errno() == Errno.ENOTSOCK || e.errno() == Errno.EINVAL) {
                throw new VhostUserException(socketPath + " is not a socket: pass the path of a vhost-user back-end's socket", e);
            }
            throw new VhostUserException("cannot connect to the vhost-user socket " + socketPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * Connects like {@link #connect(Path)}, but while the socket is missing or refuses (a back-end
     * that is still starting: between its bind and its listen) retries every 10 ms for up to
     * {@code patience}.
     */
    public static VhostUserFrontend connect(Path socketPath, Duration patience) throws VhostUserException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return connect(socketPath);
            } catch (VhostUserException e) {
                boolean starting = !Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)
                        || (e.getCause() instanceof LinuxException le && le.errno() == Errno.ECONNREFUSED);
                if (!starting || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VhostUserException("interrupted while connecting to " + socketPath, e);
            }
        }
    }

    /** The path this front-end connected to. */
    public Path socketPath() {
        return socketPath;
    }

    /** GET_FEATURES: the virtio features the back-end offers, with bit 30 for protocol features. */
    public synchronized long getFeatures() throws VhostUserException {
        return requestU64(Request.GET_FEATURES);
    }

    /** SET_FEATURES: the features the driver accepts (a subset of {@link #getFeatures()}). */
    public synchronized void setFeatures(long features) throws VhostUserException {
        send(Request.SET_FEATURES, Message.u64Payload(features));
    }

    /** GET_PROTOCOL_FEATURES: the protocol features the back-end offers ({@link ProtocolFeature} bits). */
    public synchronized long getProtocolFeatures() throws VhostUserException {
        return requestU64(Request.GET_PROTOCOL_FEATURES);
    }

    /**
     * SET_PROTOCOL_FEATURES. From the next request on, acknowledgements are asked for if
     * {@code features} holds {@link ProtocolFeature#REPLY_ACK}.
     */
    public synchronized void setProtocolFeatures(long features) throws VhostUserException {
        send(Request.SET_PROTOCOL_FEATURES, Message.u64Payload(features));
        replyAck = ProtocolFeature.REPLY_ACK.in(features);
    }

    /** SET_OWNER: claims the back-end for this connection. */
    public synchronized void setOwner() throws VhostUserException {
        send(Request.SET_OWNER, new byte[0]);
    }

    /** GET_QUEUE_NUM (needs {@link ProtocolFeature#MQ}): the most queues the back-end serves. */
    public synchronized int getQueueNum() throws VhostUserException {
        long n = requestU64(Request.GET_QUEUE_NUM);
        if (n < 1 || n > 0xffff) {
            throw new VhostUserException("GET_QUEUE_NUM: the back-end answered " + n + " queues");
        }
        return (int) n;
    }

    /**
     * GET_CONFIG (needs {@link ProtocolFeature#CONFIG}): {@code size} bytes of the device
     * configuration space from {@code offset}.
     *
     * @throws VhostUserException if the back-end refuses (an empty reply) or answers another range
     */
    public synchronized byte[] getConfig(int offset, int size) throws VhostUserException {
        if (offset < 0 || size < 0 || size > ConfigPayload.MAX_SIZE - offset) {
            throw new IllegalArgumentException("config range offset=" + offset + " size=" + size
                    + " outside 0.." + ConfigPayload.MAX_SIZE);
        }
        ConfigPayload request = new ConfigPayload(offset, size, 0, new byte[size]);
        Message reply = exchange(Message.request(Request.GET_CONFIG, request.encode()));
        if (reply.payload().length == 0) {
            throw new VhostUserException("GET_CONFIG: the back-end refused to read " + size + " config bytes at offset "
                    + offset);
        }
        ConfigPayload answer = ConfigPayload.decode(reply);
        if (answer.offset() != offset || answer.size() != size) {
            throw new VhostUserException("GET_CONFIG: asked for offset=" + offset + " size=" + size
                    + ", the back-end answered offset=" + answer.offset() + " size=" + answer.size());
        }
        return answer.data();
    }

    /** SET_MEM_TABLE: the guest memory regions, each shared through the fd at the same index. */
    public synchronized void setMemTable(List<MemoryRegionDescription> regions, List<Fd> fds) throws VhostUserException {
        if (regions.size() != fds.size() || regions.isEmpty() || regions.size() > MemoryRegionDescription.MAX_TABLE_REGIONS) {
            throw new IllegalArgumentException(regions.size() + " regions with " + fds.size() + " fds; need 1.."
                    + MemoryRegionDescription.MAX_TABLE_REGIONS + " of each");
        }
        send(Request.SET_MEM_TABLE, MemoryRegionDescription.encodeTable(regions), fds.toArray(Fd[]::new));
    }

    /** SET_VRING_NUM: the size of queue {@code index}. */
    public synchronized void setVringNum(int index, int size) throws VhostUserException {
        send(Request.SET_VRING_NUM, new VringState(index, size).encode());
    }

    /** SET_VRING_BASE: the next avail index the back-end reads from queue {@code index}. */
    public synchronized void setVringBase(int index, int base) throws VhostUserException {
        send(Request.SET_VRING_BASE, new VringState(index, base).encode());
    }

    /** SET_VRING_ADDR: where the rings of a queue are, in this process's address space. */
    public synchronized void setVringAddr(VringAddress address) throws VhostUserException {
        send(Request.SET_VRING_ADDR, address.encode());
    }

    /** SET_VRING_KICK: the eventfd the driver signals when it makes buffers available. */
    public synchronized void setVringKick(int index, Fd kick) throws VhostUserException {
        send(Request.SET_VRING_KICK, Message.u64Payload(index & Message.VRING_INDEX_MASK), kick);
    }

    /** SET_VRING_CALL: the eventfd the back-end signals when it has used buffers. */
    public synchronized void setVringCall(int index, Fd call) throws VhostUserException {
        send(Request.SET_VRING_CALL, Message.u64Payload(index & Message.VRING_INDEX_MASK), call);
    }

    /** SET_VRING_ENABLE: starts ({@code true}) or pauses a queue's processing. */
    public synchronized void setVringEnable(int index, boolean enable) throws VhostUserException {
        send(Request.SET_VRING_ENABLE, new VringState(index, enable ? 1 : 0).encode());
    }

    /** GET_VRING_BASE: stops queue {@code index} and returns the next avail index it would have read. */
    public synchronized int getVringBase(int index) throws VhostUserException {
        Message reply = exchange(Message.request(Request.GET_VRING_BASE, new VringState(index, 0).encode()));
        VringState state = VringState.decode(reply);
        if (state.index() != index) {
            throw new VhostUserException("GET_VRING_BASE: asked for queue " + index + ", the back-end answered queue "
                    + state.index());
        }
        return (int) state.num();
    }

    /** Disconnects; the back-end then stops every queue. Later calls do nothing. */
    @Override
    public synchronized void close() {
        channel.close();
    }

    private long requestU64(Request request) throws VhostUserException {
        return exchange(Message.request(request, new byte[0])).u64();
    }

    /** Sends a request without a reply of its own; with REPLY_ACK waits for and checks the ack. */
    private void send(Request request, byte[] payload, Fd... fds) throws VhostUserException {
        if (!replyAck) {
            write(Message.request(request, payload, fds));
            return;
        }
        Message message = new Message(request.code(), Message.VERSION | Message.NEED_REPLY, payload, List.of(fds));
        long status = exchange(message).u64();
        if (status != 0) {
            throw new VhostUserException(request + ": the back-end rejected the request (status " + status + ")");
        }
    }

    private Message exchange(Message message) throws VhostUserException {
        write(message);
        Message reply;
        try {
            reply = channel.receive();
        } catch (LinuxException e) {
            throw new VhostUserException(message.name() + ": receiving the reply failed: " + e.getMessage(), e);
        }
        if (reply == null) {
            throw new VhostUserException(message.name() + ": the back-end at " + socketPath
                    + " closed the connection instead of replying");
        }
        reply.closeFds();
        if (reply.requestCode() != message.requestCode()) {
            throw new VhostUserException(message.name() + ": the back-end replied to " + reply.name());
        }
        if ((reply.flags() & Message.VERSION_MASK) != Message.VERSION || !reply.isReply()) {
            throw new VhostUserException(message.name() + ": reply has flags=0x" + Integer.toHexString(reply.flags())
                    + ", expected version 1 with the reply bit");
        }
        return reply;
    }

    private void write(Message message) throws VhostUserException {
        try {
            channel.send(message);
        } catch (LinuxException e) {
            throw new VhostUserException(message.name() + ": the back-end at " + socketPath
                    + " is gone (" + e.getMessage() + ")", e);
        }
    }
}
