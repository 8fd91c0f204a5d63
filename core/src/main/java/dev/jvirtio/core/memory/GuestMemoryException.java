package dev.jvirtio.core.memory;

/**
 * An address range that does not lie inside guest memory. The guest chose the address, so this is
 * an expected, recoverable error: the caller turns it into a failed request or a broken queue.
 */
public final class GuestMemoryException extends Exception {

    /** Why a range could not be translated. */
    public enum Reason {
        /** Some byte of the range is outside every region. */
        OUTSIDE,
        /** address + length overflows the 64-bit address space. */
        WRAPS,
        /** The range begins in one region and ends in another. */
        STRADDLES,
        /** The length is negative. */
        NEGATIVE_LENGTH
    }

    private final Reason reason;
    private final long address;
    private final long length;

    public GuestMemoryException(Reason reason, String space, long address, long length) {
        super(space + " range [0x" + Long.toHexString(address) + ", +" + length + ") "
                + switch (reason) {
                    case OUTSIDE -> "lies outside guest memory";
                    case WRAPS -> "wraps the 64-bit address space";
                    case STRADDLES -> "straddles two memory regions";
                    case NEGATIVE_LENGTH -> "has a negative length";
                }, null, false, false);
        this.reason = reason;
        this.address = address;
        this.length = length;
    }

    public Reason reason() {
        return reason;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}
