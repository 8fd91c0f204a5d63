package dev.jvirtio.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A small native buffer per thread for the fixed-size arguments of frequent calls (an eventfd's
 * eight bytes), so that hot paths allocate nothing. A caller uses it only between entering and
 * leaving one wrapper method.
 */
final class Scratch {

    static final long SIZE = 64;

    private static final ThreadLocal<MemorySegment> BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SIZE, 16));

    private Scratch() {
    }

    /** The calling thread's buffer of {@link #SIZE} bytes, aligned to 16. */
    static MemorySegment get() {
        return BUFFER.get();
    }
}
