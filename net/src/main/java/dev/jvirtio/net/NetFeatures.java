package dev.jvirtio.net;

/** virtio-net feature bits (VIRTIO 1.2, 5.1.3 "Feature bits"). */
public final class NetFeatures {

    private NetFeatures() {
    }

    /** The device handles frames with partial checksums (transmit checksum offload). */
    public static final int CSUM = 0;
    /** The driver handles frames with partial checksums (receive checksum offload). */
    public static final int GUEST_CSUM = 1;
    /** Control channel offloads reconfiguration. */
    public static final int CTRL_GUEST_OFFLOADS = 2;
    /** The device reports its maximum MTU in the config. */
    public static final int MTU = 3;
    /** The device has a MAC address in the config. */
    public static final int MAC = 5;
    /** The driver can receive TSOv4. */
    public static final int GUEST_TSO4 = 7;
    /** The driver can receive TSOv6. */
    public static final int GUEST_TSO6 = 8;
    /** The driver can receive TSO with ECN. */
    public static final int GUEST_ECN = 9;
    /** The driver can receive UFO. */
    public static final int GUEST_UFO = 10;
    /** The device can receive TSOv4. */
    public static final int HOST_TSO4 = 11;
    /** The device can receive TSOv6. */
    public static final int HOST_TSO6 = 12;
    /** The device can receive TSO with ECN. */
    public static final int HOST_ECN = 13;
    /** The device can receive UFO. */
    public static final int HOST_UFO = 14;
    /** The driver can merge receive buffers. */
    public static final int MRG_RXBUF = 15;
    /** The config status field is available. */
    public static final int STATUS = 16;
    /** The control channel is available. */
    public static final int CTRL_VQ = 17;
    /** Control channel receive mode (promiscuous, all-multicast) support. */
    public static final int CTRL_RX = 18;
    /** Control channel VLAN filtering. */
    public static final int CTRL_VLAN = 19;
    /** The driver can send gratuitous packets. */
    public static final int GUEST_ANNOUNCE = 21;
    /** Multiqueue with automatic receive steering. */
    public static final int MQ = 22;
    /** The MAC address can be set through the control channel. */
    public static final int CTRL_MAC_ADDR = 23;
    /** The driver can receive USO frames. */
    public static final int GUEST_USO4 = 54;
    /** The driver can receive USO frames over IPv6. */
    public static final int GUEST_USO6 = 55;
    /** The device can receive USO frames. */
    public static final int HOST_USO = 56;
}
