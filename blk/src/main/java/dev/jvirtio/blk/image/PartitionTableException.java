package dev.jvirtio.blk.image;

/** A partition table that is present but cannot be read: one sentence naming what is wrong. */
public final class PartitionTableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PartitionTableException(String message) {
        super(message);
    }
}
