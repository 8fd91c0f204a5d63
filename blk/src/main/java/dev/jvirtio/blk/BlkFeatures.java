package dev.jvirtio.blk;

/** virtio-blk feature bits (VIRTIO 1.2, 5.2.3). */
public final class BlkFeatures {

    private BlkFeatures() {
    }

    public static final int SIZE_MAX = 1;
    public static final int SEG_MAX = 2;
    public static final int GEOMETRY = 4;
    public static final int RO = 5;
    public static final int BLK_SIZE = 6;
    public static final int FLUSH = 9;
    public static final int TOPOLOGY = 10;
    public static final int CONFIG_WCE = 11;
    public static final int MQ = 12;
    public static final int DISCARD = 13;
    public static final int WRITE_ZEROES = 14;
}
