package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.linux.Epoll;
import dev.jvirtio.linux.EpollEvents;
import dev.jvirtio.linux.EventFd;
import dev.jvirtio.linux.Fd;
import dev.jvirtio.linux.LinuxException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An I/O thread of the data plane (VIRTIO-DATAPLANE): waits with epoll on the kick eventfds of the
 * queues it serves and drains each kicked queue in batches. Everything that changes a served queue
 * (attach, detach, a new call fd) runs on this thread as a task, so the queue state has one owner
 * and needs no locks.
 */
final class QueueThread implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(QueueThread.class.getName());
    private static final long WAKEUP = -1;
    /** Marks the epoll token of a queue handler's event descriptor; the low bits hold the vring index. */
    private static final long EVENT_TOKEN = 1L << 32;
    /** Marks the epoll token of a queue's completion eventfd; the low bits hold the vring index. */
    private static final long COMPLETION_TOKEN = 1L << 33;

    private final Thread thread;
    private final Epoll epoll;
    private final EventFd wakeup;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<Integer, RunningQueue> served = new HashMap<>();
    private final Runnable onStart;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean stopping;

    /**
     * Starts the thread and returns once {@code onStart} has run on it.
     *
     * @param onStart runs first on the new thread (CPU pinning); its failure is logged, not fatal
     */
    QueueThread(String name, Runnable onStart) throws LinuxException {
        this.epoll = Epoll.create();
        this.wakeup = EventFd.create(true, false);
        this.onStart = onStart;
        epoll.add(wakeup.fd(), Epoll.IN, WAKEUP);
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String name() {
        return thread.getName();
    }

    /** Runs {@code task} on this thread and waits for it. */
    void call(Runnable task) {
        if (Thread.currentThread() == thread) {
            task.run();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            wakeup.signal();
            done.get();
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot wake " + name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(name() + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Starts serving {@code queue}: registers its kick fd (and its handler's event descriptor,
     * edge-triggered) and serves what is already available.
     */
    void attach(RunningQueue queue) {
        call(() -> {
            int index = queue.vring().index;
            try {
                epoll.add(queue.vring().kick.fd(), Epoll.IN, index);
                QueueHandler handler = queue.handler();
                if (handler != null && handler.eventDescriptor() >= 0) {
                    epoll.add(Fd.adopt(handler.eventDescriptor()), Epoll.IN | Epoll.ET, EVENT_TOKEN | index);
                }
                if (queue.completions() != null) {
                    epoll.add(queue.completions().fd(), Epoll.IN, COMPLETION_TOKEN | index);
                }
            } catch (LinuxException e) {
                try {
                    epoll.remove(queue.vring().kick.fd());
                } catch (LinuxException | RuntimeException ignored) {
                    // it was never added
                }
                throw new IllegalStateException("vring " + index + ": " + e.getMessage(), e);
            }
            served.put(index, queue);
            if (queue.handler() != null) {
                queue.handler().attach(queue.queue(), () -> signal(queue.vring()));
                queue.handler().kicked();
                queue.handler().eventReady();
                checkBroken(queue);
            } else {
                serve(queue);
            }
        });
    }

    /**
     * Stops serving {@code queue}; when this returns, no request of it is in progress: requests a
     * processor completes elsewhere are waited for and pushed.
     */
    void detach(RunningQueue queue) {
        call(() -> {
            if (served.remove(queue.vring().index) != null) {
                unregister(queue);
            }
            quiesce(queue);
        });
    }

    private void quiesce(RunningQueue queue) {
        if (queue.drain() != null) {
            queue.drain().quiesce(queue.queue(), () -> signal(queue.vring()));
        }
    }

    private void unregister(RunningQueue queue) {
        try {
            epoll.remove(queue.vring().kick.fd());
        } catch (LinuxException | RuntimeException e) {
            LOG.fine(() -> "vring " + queue.vring().index + " kick fd already gone: " + e.getMessage());
        }
        if (queue.completions() != null) {
            try {
                epoll.remove(queue.completions().fd());
            } catch (LinuxException | RuntimeException e) {
                LOG.fine(() -> "vring " + queue.vring().index + " completion fd already gone: " + e.getMessage());
            }
        }
        QueueHandler handler = queue.handler();
        if (handler != null) {
            if (handler.eventDescriptor() >= 0) {
                try {
                    // The handler owns the descriptor: this Fd only names it and is never closed.
                    epoll.remove(Fd.adopt(handler.eventDescriptor()));
                } catch (LinuxException | RuntimeException e) {
                    LOG.fine(() -> "vring " + queue.vring().index + " event fd already gone: " + e.getMessage());
                }
            }
            handler.detach();
        }
    }

    private void loop() {
        if (onStart != null) {
            try {
                onStart.run();
            } catch (RuntimeException e) {
                LOG.warning(name() + ": " + e.getMessage());
            }
        }
        started.countDown();
        EpollEvents events = new EpollEvents(64);
        while (!stopping) {
            int n;
            try {
                n = epoll.wait(events, -1);
            } catch (LinuxException e) {
                LOG.severe(name() + " stops: " + e.getMessage());
                return;
            }
            for (int i = 0; i < n; i++) {
                long token = events.data(i);
                if (token == WAKEUP) {
                    runTasks();
                } else if ((token & COMPLETION_TOKEN) != 0) {
                    RunningQueue q = served.get((int) token);
                    if (q != null) {
                        completed(q);
                    }
                } else if ((token & EVENT_TOKEN) != 0) {
                    RunningQueue q = served.get((int) token);
                    if (q != null && q.handler() != null) {
                        q.handler().eventReady();
                        checkBroken(q);
                    }
                } else {
                    RunningQueue q = served.get((int) token);
                    if (q != null) {
                        kicked(q);
                    }
                }
            }
        }
        runTasks();
    }

    private void runTasks() {
        try {
            wakeup.drain();
        } catch (LinuxException e) {
            LOG.warning(name() + ": " + e.getMessage());
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    private void kicked(RunningQueue q) {
        try {
            q.vring().kick.drain();
        } catch (LinuxException e) {
            LOG.warning("vring " + q.vring().index + " kick: " + e.getMessage());
        }
        if (q.handler() != null) {
            q.handler().kicked();
            checkBroken(q);
        } else {
            serve(q);
        }
    }

    private void completed(RunningQueue q) {
        try {
            q.completions().drain();
        } catch (LinuxException e) {
            LOG.warning("vring " + q.vring().index + " completions: " + e.getMessage());
        }
        q.drain().complete(q.queue(), () -> signal(q.vring()));
    }

    private void serve(RunningQueue q) {
        q.drain().drain(q.queue(), q.processor(), () -> signal(q.vring()));
        checkBroken(q);
    }

    /** Stops serving a queue whose driver broke a virtqueue rule, and tells the front-end. */
    private void checkBroken(RunningQueue q) {
        if (q.queue().isBroken() && served.get(q.vring().index) == q) {
            Vring v = q.vring();
            LOG.log(Level.WARNING, "vring " + v.index + " stopped, the driver broke a virtqueue rule: "
                    + q.queue().failure().getMessage());
            served.remove(v.index);
            unregister(q);
            quiesce(q);
            if (v.err != null) {
                try {
                    v.err.signal();
                } catch (LinuxException e) {
                    LOG.fine("vring " + v.index + " err fd: " + e.getMessage());
                }
            }
        }
    }

    private static void signal(Vring vring) {
        EventFd call = vring.call;
        if (call == null) {
            return;
        }
        try {
            call.signal();
        } catch (LinuxException e) {
            LOG.fine("vring " + vring.index + " call: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        stopping = true;
        try {
            wakeup.signal();
            thread.join();
        } catch (LinuxException e) {
            LOG.warning(name() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        epoll.close();
        wakeup.close();
    }
}
