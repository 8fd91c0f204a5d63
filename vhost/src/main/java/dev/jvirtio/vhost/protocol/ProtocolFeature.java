package dev.jvirtio.vhost.protocol;

/** vhost-user protocol feature bits (vhost-user.rst, "Protocol features"). */
public enum ProtocolFeature {
    MQ(0),
    LOG_SHMFD(1),
    RARP(2),
    REPLY_ACK(3),
    NET_MTU(4),
    BACKEND_REQ(5),
    CROSS_ENDIAN(6),
    CRYPTO_SESSION(7),
    PAGEFAULT(8),
    CONFIG(9),
    BACKEND_SEND_FD(10),
    HOST_NOTIFIER(11),
    INFLIGHT_SHMFD(12),
    RESET_DEVICE(13),
    INBAND_NOTIFICATIONS(14),
    CONFIGURE_MEM_SLOTS(15),
    STATUS(16);

    /** The virtio feature bit that says protocol features exist (VHOST_USER_F_PROTOCOL_FEATURES). */
    public static final int VHOST_USER_F_PROTOCOL_FEATURES = 30;

    private final int bit;

    ProtocolFeature(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public long mask() {
        return 1L << bit;
    }

    /** True if this feature is set in {@code features}. */
    public boolean in(long features) {
        return (features & mask()) != 0;
    }

    /** The word with every given feature set. */
    public static long maskOf(ProtocolFeature... features) {
        long m = 0;
        for (ProtocolFeature f : features) {
            m |= f.mask();
        }
        return m;
    }
}
