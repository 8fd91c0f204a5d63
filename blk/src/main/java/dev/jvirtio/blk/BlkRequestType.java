package dev.jvirtio.blk;

/** virtio-blk request types and status values (VIRTIO 1.2, 5.2.6). */
public final class BlkRequestType {

    private BlkRequestType() {
    }

    public static final int IN = 0;
    public static final int OUT = 1;
    public static final int FLUSH = 4;
    public static final int GET_ID = 8;
    public static final int GET_LIFETIME = 10;
    public static final int DISCARD = 11;
    public static final int WRITE_ZEROES = 13;
    public static final int SECURE_ERASE = 14;

    public static final byte S_OK = 0;
    public static final byte S_IOERR = 1;
    public static final byte S_UNSUPP = 2;

    /** Size of {@code struct virtio_blk_outhdr}: le32 type, le32 reserved, le64 sector. */
    public static final int HEADER_SIZE = 16;
    /** Sectors are always 512 bytes in requests, whatever blk_size says (5.2.6). */
    public static final int SECTOR_SIZE = 512;
    public static final int SECTOR_SHIFT = 9;
    /** GET_ID answers with at most 20 bytes (VIRTIO_BLK_ID_BYTES). */
    public static final int ID_BYTES = 20;
    /** Size of {@code struct virtio_blk_discard_write_zeroes}: le64 sector, le32 num_sectors, le32 flags. */
    public static final int DISCARD_SEGMENT_SIZE = 16;
    /** Flag of a WRITE_ZEROES segment: the device may unmap (5.2.6). */
    public static final int F_UNMAP = 1;
}
