package dev.jvirtio.tune.guest;

import java.util.Objects;

/**
 * One network interface of a guest.
 *
 * @param model   the device model: {@code virtio}, {@code e1000}, {@code e1000e}, {@code rtl8139},
 *                ... ("" when not declared)
 * @param backend {@code tap}, {@code bridge}, {@code network}, {@code direct}, {@code user},
 *                {@code vhostuser}, {@code hostdev} or {@code unknown}
 * @param vhost   true when the kernel's vhost-net carries the data path
 * @param queues  the queue pairs, 0 when not set (one)
 * @param ifname  the host-side interface name, "" when not known
 */
public record Nic(String model, String backend, boolean vhost, int queues, String ifname) {
    public Nic {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(ifname, "ifname");
        if (queues < 0) {
            throw new IllegalArgumentException("queues=" + queues);
        }
    }

    /** The queue pairs in effect: the configured number, or one when none was set. */
    public int effectiveQueues() {
        return Math.max(1, queues);
    }
}
