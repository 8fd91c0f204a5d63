package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.device.QueueStats;
import dev.jvirtio.core.device.VirtioDevice;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.UnixSocket;
import dev.jvirtio.vhost.protocol.VhostUserChannel;
import dev.jvirtio.vhost.protocol.VhostUserException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A vhost-user back-end daemon that serves one {@link VirtioDevice} on a UNIX socket: it accepts a
 * front-end (QEMU, or jvirtio's own front-end), serves it until it disconnects, then accepts the
 * next. Queues are served by a fixed set of I/O threads; queue {@code i} runs on thread
 * {@code i % threads}.
 *
 * <p>{@link #start()} begins accepting on a thread of its own; {@link #close()} stops accepting,
 * disconnects the front-end after the requests in progress finish, and removes the socket.
 */
public final class VhostUserBackend implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(VhostUserBackend.class.getName());

    private final VirtioDevice device;
    private final Path socketPath;
    private final UnixSocket listener;
    private final List<QueueThread> threads = new ArrayList<>();
    private final QueueStats[] stats;
    private final Thread acceptor;
    private volatile boolean closing;
    private volatile VhostUserChannel current;
    private volatile int connections;
    private volatile long pollNanos;

    /**
     * Binds the socket and starts the I/O threads.
     *
     * @param threadCount number of I/O threads, at least 1 (more than the queue count is reduced)
     * @param pinning     called on each I/O thread as it starts with the thread's index (CPU pinning); may be null
     * @throws LinuxException if the socket cannot be bound (in use, permission denied)
     */
    public VhostUserBackend(VirtioDevice device, Path socketPath, int threadCount, IntConsumer pinning)
            throws LinuxException {
        this.device = device;
        this.socketPath = socketPath;
        this.stats = new QueueStats[device.maxQueues()];
        for (int i = 0; i < stats.length; i++) {
            stats[i] = new QueueStats();
        }
        this.listener = UnixSocket.listen(socketPath);
        int n = Math.max(1, Math.min(threadCount, device.maxQueues()));
        try {
            for (int i = 0; i < n; i++) {
                int index = i;
                threads.add(new QueueThread("jvirtio-" + device.name() + "-q" + i,
                        pinning == null ? null : () -> pinning.accept(index)));
            }
        } catch (LinuxException e) {
            threads.forEach(QueueThread::close);
            listener.close();
            throw e;
        }
        this.acceptor = Thread.ofPlatform().name("jvirtio-" + device.name() + "-vhost").unstarted(this::acceptLoop);
    }

    /**
     * How long a queue thread keeps watching a ring that ran dry, with notifications off, before it
     * waits for a kick (adaptive polling; 0, the default, waits at once). Applies to front-ends
     * that connect afterwards.
     */
    public VhostUserBackend pollFor(Duration time) {
        if (time.isNegative()) {
            throw new IllegalArgumentException("poll time " + time + " is negative");
        }
        this.pollNanos = time.toNanos();
        return this;
    }

    /** Begins accepting front-ends. */
    public VhostUserBackend start() {
        acceptor.start();
        return this;
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Per-queue counters, indexed by queue. */
    public List<QueueStats> queueStats() {
        return List.of(stats);
    }

    /** Front-ends accepted so far. */
    public int connections() {
        return connections;
    }

    /** Names of the I/O threads. */
    public List<String> threadNames() {
        return threads.stream().map(QueueThread::name).toList();
    }

    private void acceptLoop() {
        while (!closing) {
            UnixSocket socket;
            try {
                socket = listener.accept();
            } catch (LinuxException e) {
                if (!closing) {
                    LOG.severe("accept on " + socketPath + " failed, the back-end stops: " + e.getMessage());
                }
                return;
            }
            connections++;
            try (VhostUserChannel channel = new VhostUserChannel(socket);
                 BackendConnection connection = new BackendConnection(device, channel, threads, stats, pollNanos)) {
                current = channel;
                LOG.info("front-end connected to " + socketPath);
                connection.serve();
                LOG.info("front-end disconnected from " + socketPath);
            } catch (VhostUserException e) {
                LOG.warning("closing the connection on " + socketPath + ": " + e.getMessage());
            } catch (LinuxException e) {
                if (!closing) {
                    LOG.warning("connection on " + socketPath + " failed: " + e.getMessage());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "connection on " + socketPath + " failed", e);
            } finally {
                current = null;
            }
        }
    }

    /** Stops accepting, lets in-progress requests finish, disconnects, stops the threads, removes the socket. */
    @Override
    public void close() {
        closing = true;
        try {
            listener.shutdown();
        } catch (LinuxException e) {
            LOG.fine("shutdown of " + socketPath + ": " + e.getMessage());
        }
        VhostUserChannel c = current;
        if (c != null) {
            c.shutdown();
        }
        try {
            if (acceptor.isAlive()) {
                acceptor.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.forEach(QueueThread::close);
        listener.close();
        try {
            Files.deleteIfExists(socketPath);
        } catch (java.io.IOException e) {
            LOG.warning("cannot remove " + socketPath + ": " + e.getMessage());
        }
    }
}
