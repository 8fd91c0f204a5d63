package dev.jvirtio.net;

/**
 * How a {@link NetDevice} is set up.
 *
 * @param name      a short name for logs and thread names, such as {@code net0}
 * @param pairs     receive/transmit queue pairs offered, 1 to 256 (max_virtqueue_pairs)
 * @param queueSize the largest queue size accepted, a power of 2 up to 32768
 * @param mac       the address reported in the config space
 * @param mtu       the largest MTU offered (VIRTIO_NET_F_MTU), 68 to 65535
 */
public record NetOptions(String name, int pairs, int queueSize, MacAddress mac, int mtu) {

    /** The MTU when none is given. */
    public static final int DEFAULT_MTU = 1500;
    /** The queue size limit when none is given. */
    public static final int DEFAULT_QUEUE_SIZE = 1024;

    /** @throws IllegalArgumentException with one sentence naming the bad value */
    public NetOptions {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("the device needs a name");
        }
        if (pairs < 1 || pairs > 256) {
            throw new IllegalArgumentException("queue pairs=" + pairs + " is not between 1 and 256");
        }
        if (queueSize < 2 || queueSize > 32768 || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("queue size=" + queueSize + " is not a power of 2 between 2 and 32768");
        }
        if (mac == null || mac.isMulticast()) {
            throw new IllegalArgumentException("MAC address " + mac + " is not a unicast address");
        }
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("MTU " + mtu + " is not between 68 and 65535");
        }
    }

    /** Options with the default queue size and MTU. */
    public static NetOptions of(String name, int pairs, MacAddress mac) {
        return new NetOptions(name, pairs, DEFAULT_QUEUE_SIZE, mac, DEFAULT_MTU);
    }
}
