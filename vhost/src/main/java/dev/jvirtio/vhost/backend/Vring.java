package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.device.QueueStats;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.linux.EventFd;
import dev.jvirtio.vhost.protocol.VringAddress;

/**
 * The back-end's state of one vring as the front-end configured it (vhost-user.rst, "Ring states"):
 * its size, addresses, base, kick/call/err fds, whether it is started (a kick fd arrived and no
 * GET_VRING_BASE since) and enabled. Owned by the connection thread; the running {@link DeviceQueue}
 * belongs to an I/O thread while the ring runs.
 */
final class Vring {

    final int index;
    final QueueStats stats;
    int size;
    VringAddress address;
    int base;
    EventFd kick;
    volatile EventFd call;
    EventFd err;
    boolean started;
    boolean enabled;
    /** Non-null while an I/O thread serves the ring. */
    RunningQueue running;

    Vring(int index, QueueStats stats) {
        this.index = index;
        this.stats = stats;
    }

    /** Ready to run: started, enabled and fully configured. */
    boolean runnable() {
        return started && enabled && size > 0 && address != null && kick != null;
    }

    void closeFds() {
        if (kick != null) {
            kick.close();
            kick = null;
        }
        EventFd c = call;
        if (c != null) {
            c.close();
            call = null;
        }
        if (err != null) {
            err.close();
            err = null;
        }
    }
}
