package dev.jvirtio.vhost.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import dev.jvirtio.linux.Fd;
import java.util.List;

/**
 * One vhost-user message: the 12-byte header (request u32, flags u32, size u32, host byte order)
 * and its payload, plus the file descriptors that came with it as SCM_RIGHTS ancillary data.
 *
 * <p>The receiver owns the fds: whoever takes one closes it; {@link #closeFds()} closes them all.
 */
public final class Message {

    public static final int HEADER_SIZE = 12;
    /** Largest payload accepted: the biggest message (memory table, 8 regions) is 264 bytes. */
    public static final int MAX_PAYLOAD = 4096;
    /** Most fds one message may carry (VHOST_MEMORY_BASELINE_NREGIONS). */
    public static final int MAX_FDS = 8;

    /** Header flags: version 1 in bits 0..1. */
    public static final int VERSION = 0x1;
    public static final int VERSION_MASK = 0x3;
    /** Header flag: this is a reply. */
    public static final int REPLY = 0x4;
    /** Header flag: the sender asks for a u64 acknowledgement (REPLY_ACK). */
    public static final int NEED_REPLY = 0x8;

    /** Payload u64 of SET_VRING_KICK/CALL/ERR: low 8 bits are the queue index. */
    public static final long VRING_INDEX_MASK = 0xff;
    /** Payload u64 of SET_VRING_KICK/CALL/ERR: no fd is passed (polling). */
    public static final long VRING_NOFD_MASK = 0x100;

    private final int requestCode;
    private final int flags;
    private final byte[] payload;
    private final List<Fd> fds;

    public Message(int requestCode, int flags, byte[] payload, List<Fd> fds) {
        this.requestCode = requestCode;
        this.flags = flags;
        this.payload = payload;
        this.fds = List.copyOf(fds);
    }

    /** A request from the front-end with version 1 flags. */
    public static Message request(Request request, byte[] payload, Fd... fds) {
        return new Message(request.code(), VERSION, payload, List.of(fds));
    }

    /** The reply to {@code request}: flags exactly VERSION|REPLY (QEMU drops anything else). */
    public static Message reply(int requestCode, byte[] payload) {
        return new Message(requestCode, VERSION | REPLY, payload, List.of());
    }

    public int requestCode() {
        return requestCode;
    }

    /** The request, or null for a code the protocol does not define. */
    public Request request() {
        return Request.of(requestCode);
    }

    public int flags() {
        return flags;
    }

    public boolean needsReply() {
        return (flags & NEED_REPLY) != 0;
    }

    public boolean isReply() {
        return (flags & REPLY) != 0;
    }

    public byte[] payload() {
        return payload;
    }

    public List<Fd> fds() {
        return fds;
    }

    /** Closes every fd that came with the message. */
    public void closeFds() {
        fds.forEach(Fd::close);
    }

    /** The only fd of the message, or throws if there is not exactly one. */
    public Fd singleFd() throws VhostUserException {
        if (fds.size() != 1) {
            throw new VhostUserException(name() + ": expected 1 fd, got " + fds.size());
        }
        return fds.get(0);
    }

    /** A little helper view of the payload in host byte order. */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder());
    }

    /** Encodes the header in host byte order. */
    public byte[] header() {
        return ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.nativeOrder())
                .putInt(requestCode).putInt(flags).putInt(payload.length).array();
    }

    /**
     * Reads the u64 payload.
     *
     * @throws VhostUserException if the payload is not exactly 8 bytes
     */
    public long u64() throws VhostUserException {
        expectSize(8);
        return payloadBuffer().getLong(0);
    }

    /** Throws unless the payload is exactly {@code size} bytes. */
    public void expectSize(int size) throws VhostUserException {
        if (payload.length != size) {
            throw new VhostUserException(name() + ": payload size=" + payload.length + ", expected " + size);
        }
    }

    /** Throws unless the payload is at least {@code size} bytes. */
    public void expectAtLeast(int size) throws VhostUserException {
        if (payload.length < size) {
            throw new VhostUserException(name() + ": payload size=" + payload.length + ", expected at least " + size);
        }
    }

    public String name() {
        Request r = request();
        return r == null ? "request " + requestCode : r.name();
    }

    /** A u64 payload. */
    public static byte[] u64Payload(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(value).array();
    }

    @Override
    public String toString() {
        return name() + " flags=0x" + Integer.toHexString(flags) + " size=" + payload.length + " fds=" + fds.size();
    }
}
