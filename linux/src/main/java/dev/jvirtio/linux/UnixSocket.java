package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A UNIX domain stream socket ({@code AF_UNIX, SOCK_STREAM}) that carries file descriptors with
 * its bytes ({@code SCM_RIGHTS}): the transport of the vhost-user protocol.
 *
 * <p>Sockets are blocking and close-on-exec; received descriptors are close-on-exec too. A peer
 * that closes the connection is reported as a {@link Received#eof()} result, never as an
 * exception; sending to a closed peer throws {@link LinuxException} with {@link Errno#EPIPE} and
 * never raises SIGPIPE.
 *
 * <p>Thread-safety: one thread may send while another receives. Concurrent sends (or concurrent
 * receives) on the same socket interleave their bytes and must be serialised by the caller.
 * {@link #shutdown()} from another thread wakes a thread blocked in a receive or an accept.
 */
public final class UnixSocket implements AutoCloseable {

    /** The most descriptors one message can carry (the kernel's SCM_MAX_FD). */
    public static final int MAX_FDS = 253;

    private static final short AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SHUT_RDWR = 2;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int EISCONN = 106;
    private static final int BACKLOG = 128;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private static final MethodHandle SOCKET =
            Libc.withErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR =
            Libc.withErrno("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle BIND =
            Libc.withErrno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN =
            Libc.withErrno("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 =
            Libc.withErrno("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT =
            Libc.withErrno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG =
            Libc.withErrno("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG =
            Libc.withErrno("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN =
            Libc.withErrno("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private final Fd fd;
    private final Path boundPath;
    private final Object boundInode;

    private UnixSocket(Fd fd, Path boundPath, Object boundInode) {
        this.fd = fd;
        this.boundPath = boundPath;
        this.boundInode = boundInode;
    }

    /**
     * Creates a listening socket at {@code path}.
     *
     * <p>If a socket file already exists there, this connects to it: a live server there is an
     * error ({@link Errno#EADDRINUSE}, "another process is listening on PATH"); a stale file (the
     * connect is refused) is removed and replaced. A path holding anything but a socket is never
     * removed. Closing the listener removes the socket file if it is still the one this created.
     *
     * @throws LinuxException with {@link Errno#EADDRINUSE} if the path is in use or is not a
     *     socket, {@link Errno#ENAMETOOLONG} if the path exceeds 107 bytes, or the errno of the
     *     failing call
     */
    public static UnixSocket listen(Path path) throws LinuxException {
        byte[] pathBytes = pathBytes(path, "bind");
        for (int attempt = 0; ; attempt++) {
            Fd socket = newSocket();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment address = arena.allocate(MessageLayout.SOCKADDR_UN);
                int addressLength = MessageLayout.writeSockaddr(address, AF_UNIX, pathBytes);
                int result = (int) BIND.invokeExact(Errno.state(), socket.value(), address, addressLength);
                if (result == 0) {
                    if ((int) LISTEN.invokeExact(Errno.state(), socket.value(), BACKLOG) < 0) {
                        LinuxException failure = LinuxException.of("listen(path=" + path + ")", Errno.last());
                        socket.close();
                        throw failure;
                    }
                    return new UnixSocket(socket, path, inode(path));
                }
                int errno = Errno.last();
                socket.close();
                if (errno != Errno.EADDRINUSE || attempt > 0) {
                    throw LinuxException.of("bind(path=" + path + ")", errno);
                }
            } catch (LinuxException e) {
                throw e;
            } catch (Throwable t) {
                socket.close();
                throw Libc.unexpected(t);
            }
            removeIfStale(path, pathBytes);
        }
    }

    /** Connects to the listening socket at {@code path}. */
    public static UnixSocket connect(Path path) throws LinuxException {
        byte[] pathBytes = pathBytes(path, "connect");
        Fd socket = newSocket();
        int errno = connect(socket, pathBytes);
        if (errno != 0) {
            socket.close();
            throw LinuxException.of("connect(path=" + path + ")", errno);
        }
        return new UnixSocket(socket, null, null);
    }

    /** Two connected sockets ({@code socketpair(2)}), one for each end of a conversation. */
    public static UnixSocket[] pair() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int result;
            try {
                result = (int) SOCKETPAIR.invokeExact(Errno.state(), (int) AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (result < 0) {
                throw LinuxException.of("socketpair(AF_UNIX, SOCK_STREAM)", Errno.last());
            }
            return new UnixSocket[] {
                new UnixSocket(Fd.adopt(fds.getAtIndex(JAVA_INT, 0)), null, null),
                new UnixSocket(Fd.adopt(fds.getAtIndex(JAVA_INT, 1)), null, null),
            };
        }
    }

    /**
     * Waits for and accepts one connection on a listening socket.
     *
     * @throws LinuxException with {@link Errno#EINVAL} once the listener is {@linkplain #shutdown()
     *     shut down}, or the errno of the failing call
     */
    public UnixSocket accept() throws LinuxException {
        int listener = fd.value();
        int accepted;
        do {
            try {
                accepted = (int) ACCEPT4.invokeExact(Errno.state(), listener, MemorySegment.NULL,
                        MemorySegment.NULL, SOCK_CLOEXEC);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (accepted < 0 && (Errno.last() == Errno.EINTR || Errno.last() == Errno.ECONNABORTED));
        if (accepted < 0) {
            throw LinuxException.of("accept4(fd=" + listener + pathArgument() + ")", Errno.last());
        }
        return new UnixSocket(Fd.adopt(accepted), null, null);
    }

    /** Sends all of {@code data}. */
    public void send(MemorySegment data) throws LinuxException {
        send(data, new int[0]);
    }

    /**
     * Sends all of {@code data} with the descriptors {@code fds} attached to its first byte. The
     * descriptors stay open here: the peer receives duplicates.
     *
     * @param fds descriptor numbers, at most {@link #MAX_FDS}; sending descriptors needs at least
     *     one byte of data
     * @throws IllegalArgumentException if {@code fds} is too long, holds a negative number, or is
     *     not empty while {@code data} is
     */
    public void send(MemorySegment data, int[] fds) throws LinuxException {
        Libc.requireNative(data, "send buffer");
        Objects.requireNonNull(fds, "fds");
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("a message carries at most " + MAX_FDS + " descriptors, not " + fds.length);
        }
        if (fds.length > 0 && data.byteSize() == 0) {
            throw new IllegalArgumentException("descriptors must travel with at least one byte of data");
        }
        for (int each : fds) {
            if (each < 0) {
                throw new IllegalArgumentException("invalid file descriptor " + each + " to send");
            }
        }
        int socket = fd.value();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(MessageLayout.MSGHDR);
            MemorySegment iovec = arena.allocate(IovecLayout.LAYOUT);
            MessageLayout.MSG_IOV.set(header, 0L, iovec);
            MessageLayout.MSG_IOVLEN.set(header, 0L, 1L);
            if (fds.length > 0) {
                long dataBytes = (long) fds.length * Integer.BYTES;
                MemorySegment control = arena.allocate(MessageLayout.cmsgSpace(dataBytes), 8);
                MessageLayout.CMSG_LEN.set(control, 0L, MessageLayout.cmsgLen(dataBytes));
                MessageLayout.CMSG_LEVEL.set(control, 0L, MessageLayout.SOL_SOCKET);
                MessageLayout.CMSG_TYPE.set(control, 0L, MessageLayout.SCM_RIGHTS);
                MemorySegment.copy(fds, 0, control, JAVA_INT, MessageLayout.CMSGHDR.byteSize(), fds.length);
                MessageLayout.MSG_CONTROL.set(header, 0L, control);
                MessageLayout.MSG_CONTROLLEN.set(header, 0L, control.byteSize());
            }
            long sent = 0;
            do {
                IovecLayout.set(iovec, 0, data.address() + sent, data.byteSize() - sent);
                long n;
                try {
                    n = (long) SENDMSG.invokeExact(Errno.state(), socket, header, MSG_NOSIGNAL);
                } catch (Throwable t) {
                    throw Libc.unexpected(t);
                }
                if (n < 0) {
                    if (Errno.last() == Errno.EINTR) {
                        continue;
                    }
                    throw LinuxException.of("sendmsg(fd=" + socket + ", length=" + data.byteSize()
                            + ", fds=" + fds.length + ")", Errno.last());
                }
                if (sent == 0 && n > 0) {
                    // The descriptors went with the first bytes; the rest is plain data.
                    MessageLayout.MSG_CONTROL.set(header, 0L, MemorySegment.NULL);
                    MessageLayout.MSG_CONTROLLEN.set(header, 0L, 0L);
                }
                sent += n;
            } while (sent < data.byteSize());
        }
    }

    /**
     * Receives what is available, at most {@code buf.byteSize()} bytes, with at most
     * {@code maxFds} descriptors ({@code recvmsg(2)}, blocking until something arrives).
     *
     * @return the bytes and descriptors received; {@link Received#eof()} if the peer closed
     * @throws LinuxException if the peer sent more than {@code maxFds} descriptors (those that
     *     arrived are closed), or the errno of the failing call
     * @throws IllegalArgumentException if {@code maxFds} is negative or above {@link #MAX_FDS}
     */
    public Received recv(MemorySegment buf, int maxFds) throws LinuxException {
        Libc.requireNative(buf, "receive buffer");
        if (buf.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer is read-only");
        }
        if (maxFds < 0 || maxFds > MAX_FDS) {
            throw new IllegalArgumentException("maxFds must be within 0.." + MAX_FDS + ": " + maxFds);
        }
        int socket = fd.value();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(MessageLayout.MSGHDR);
            MemorySegment iovec = arena.allocate(IovecLayout.LAYOUT);
            IovecLayout.set(iovec, 0, buf.address(), buf.byteSize());
            MessageLayout.MSG_IOV.set(header, 0L, iovec);
            MessageLayout.MSG_IOVLEN.set(header, 0L, 1L);
            MemorySegment control = MemorySegment.NULL;
            if (maxFds > 0) {
                control = arena.allocate(MessageLayout.cmsgSpace((long) maxFds * Integer.BYTES), 8);
                MessageLayout.MSG_CONTROL.set(header, 0L, control);
                MessageLayout.MSG_CONTROLLEN.set(header, 0L, control.byteSize());
            }
            long n;
            do {
                try {
                    n = (long) RECVMSG.invokeExact(Errno.state(), socket, header, MSG_CMSG_CLOEXEC);
                } catch (Throwable t) {
                    throw Libc.unexpected(t);
                }
            } while (n < 0 && Errno.last() == Errno.EINTR);
            if (n < 0) {
                if (Errno.last() == Errno.ECONNRESET) {
                    return new Received(0, List.of(), true);
                }
                throw LinuxException.of("recvmsg(fd=" + socket + ", length=" + buf.byteSize() + ")", Errno.last());
            }
            List<Fd> received = controlFds(control, (long) MessageLayout.MSG_CONTROLLEN.get(header, 0L));
            int flags = (int) MessageLayout.MSG_FLAGS.get(header, 0L);
            if ((flags & MSG_CTRUNC) != 0) {
                received.forEach(Fd::close);
                throw LinuxException.detected("recvmsg(fd=" + socket + ", maxFds=" + maxFds + ")",
                        "the peer sent more file descriptors than the " + maxFds
                                + " this message may carry; the received ones were closed");
            }
            boolean eof = n == 0 && buf.byteSize() > 0;
            if (eof) {
                received.forEach(Fd::close);
                received.clear();
            }
            return new Received(n, received, eof);
        }
    }

    /**
     * Receives exactly {@code buf.byteSize()} bytes, waiting for as many reads as that takes, with
     * at most {@code maxFds} descriptors attached to any part of them.
     *
     * @return all bytes and their descriptors, or a result with {@link Received#eof()} (and no
     *     descriptors) if the peer closed first; its {@link Received#bytes()} says how many arrived
     */
    public Received recvExactly(MemorySegment buf, int maxFds) throws LinuxException {
        List<Fd> fds = new ArrayList<>();
        long total = 0;
        try {
            while (total < buf.byteSize()) {
                Received part = recv(buf.asSlice(total), maxFds - fds.size());
                if (part.eof()) {
                    fds.forEach(Fd::close);
                    return new Received(total, List.of(), true);
                }
                total += part.bytes();
                fds.addAll(part.fds());
            }
        } catch (LinuxException | RuntimeException e) {
            fds.forEach(Fd::close);
            throw e;
        }
        return new Received(total, fds, false);
    }

    /**
     * Shuts down both directions ({@code shutdown(SHUT_RDWR)}): the peer sees end of stream and
     * threads blocked on this socket wake up. Shutting down an unconnected socket does nothing.
     */
    public void shutdown() throws LinuxException {
        int socket = fd.value();
        int result;
        try {
            result = (int) SHUTDOWN.invokeExact(Errno.state(), socket, SHUT_RDWR);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0 && Errno.last() != Errno.ENOTCONN) {
            throw LinuxException.of("shutdown(fd=" + socket + pathArgument() + ")", Errno.last());
        }
    }

    /** The socket's descriptor, to register with {@link Epoll}. */
    public Fd fd() {
        return fd;
    }

    /**
     * Closes the socket; later calls do nothing. A listener also removes its socket file, unless
     * something else has replaced it meanwhile.
     */
    @Override
    public void close() {
        fd.close();
        if (boundPath != null && boundInode != null && boundInode.equals(inode(boundPath))) {
            try {
                Files.deleteIfExists(boundPath);
            } catch (IOException ignored) {
                // The file is gone or its directory is not writable any more: nothing to clean.
            }
        }
    }

    @Override
    public String toString() {
        return "UnixSocket[" + fd + (boundPath == null ? "" : ", " + boundPath) + "]";
    }

    private String pathArgument() {
        return boundPath == null ? "" : ", path=" + boundPath;
    }

    private static Fd newSocket() throws LinuxException {
        int socket;
        try {
            socket = (int) SOCKET.invokeExact(Errno.state(), (int) AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (socket < 0) {
            throw LinuxException.of("socket(AF_UNIX, SOCK_STREAM)", Errno.last());
        }
        return Fd.adopt(socket);
    }

    /** Connects {@code socket}; returns 0 or the errno of the failure. */
    private static int connect(Fd socket, byte[] pathBytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(MessageLayout.SOCKADDR_UN);
            int addressLength = MessageLayout.writeSockaddr(address, AF_UNIX, pathBytes);
            for (boolean retried = false; ; retried = true) {
                int result;
                try {
                    result = (int) CONNECT.invokeExact(Errno.state(), socket.value(), address, addressLength);
                } catch (Throwable t) {
                    throw Libc.unexpected(t);
                }
                if (result == 0) {
                    return 0;
                }
                int errno = Errno.last();
                if (errno == Errno.EINTR) {
                    continue;
                }
                return retried && errno == EISCONN ? 0 : errno;
            }
        }
    }

    /**
     * Called after bind found {@code path} in use: removes it if it is a socket nobody listens on,
     * otherwise throws the reason it cannot be used.
     */
    private static void removeIfStale(Path path, byte[] pathBytes) throws LinuxException {
        String call = "bind(path=" + path + ")";
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException vanished) {
            return;
        } catch (IOException | UnsupportedOperationException e) {
            throw LinuxException.of(call, Errno.EADDRINUSE, "cannot inspect " + path + ": " + e.getMessage());
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw LinuxException.of(call, Errno.EADDRINUSE,
                    path + " exists and is not a socket; remove it or choose another socket path");
        }
        int errno;
        try (Fd probe = newSocket()) {
            errno = connect(probe, pathBytes);
        }
        if (errno == 0) {
            throw LinuxException.of(call, Errno.EADDRINUSE,
                    "another process is listening on " + path + "; stop it or choose another socket path");
        }
        if (errno != Errno.ECONNREFUSED) {
            throw LinuxException.of(call, Errno.EADDRINUSE, "cannot tell whether the socket " + path
                    + " is in use: connecting to it failed with " + Errno.describe(errno) + " (errno " + errno + ")");
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw LinuxException.of(call, Errno.EADDRINUSE,
                    "cannot remove the stale socket " + path + ": " + e.getMessage());
        }
    }

    private static byte[] pathBytes(Path path, String call) throws LinuxException {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MessageLayout.SUN_PATH_MAX) {
            throw LinuxException.of(call + "(path=" + path + ")", Errno.ENAMETOOLONG,
                    "a UNIX socket path holds at most " + MessageLayout.SUN_PATH_MAX + " bytes and this one has "
                            + bytes.length + "; choose a shorter path");
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("socket path is empty");
        }
        return bytes;
    }

    private static Object inode(Path path) {
        try {
            return Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static List<Fd> controlFds(MemorySegment control, long controlLength) {
        List<Fd> fds = new ArrayList<>();
        if (control.equals(MemorySegment.NULL)) {
            return fds;
        }
        long header = MessageLayout.CMSGHDR.byteSize();
        long end = Math.min(controlLength, control.byteSize());
        for (long offset = 0; offset + header <= end; ) {
            MemorySegment message = control.asSlice(offset);
            long length = (long) MessageLayout.CMSG_LEN.get(message, 0L);
            if (length < header || offset + length > end) {
                break;
            }
            int level = (int) MessageLayout.CMSG_LEVEL.get(message, 0L);
            int type = (int) MessageLayout.CMSG_TYPE.get(message, 0L);
            if (level == MessageLayout.SOL_SOCKET && type == MessageLayout.SCM_RIGHTS) {
                long count = (length - header) / Integer.BYTES;
                for (long i = 0; i < count; i++) {
                    fds.add(Fd.adopt(message.get(JAVA_INT, header + i * Integer.BYTES)));
                }
            }
            offset += MessageLayout.align(length);
        }
        return fds;
    }
}
