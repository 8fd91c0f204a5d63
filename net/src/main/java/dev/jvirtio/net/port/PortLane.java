package dev.jvirtio.net.port;

import java.lang.foreign.MemorySegment;

/**
 * One lane of a {@link Port}, serving one queue pair: the receive queue's I/O thread calls
 * {@link #receive}, the transmit queue's I/O thread calls {@link #send}. The two may be different
 * threads; each method is called by one thread at a time.
 */
public interface PortLane {

    /**
     * A file descriptor number that becomes readable (edge-triggered) when frames wait for
     * {@link #receive}, or -1.
     */
    int readyDescriptor();

    /**
     * Copies the next frame waiting for the driver, header first, into {@code dst}.
     *
     * @param dst a native buffer of at least {@link dev.jvirtio.net.NetHeader#MAX_FRAME_WITH_HEADER} bytes
     * @return the frame's length with its header, 0 if none waits
     */
    int receive(MemorySegment dst);

    /**
     * Sends a frame from the driver, header first; the segment is only valid during the call.
     *
     * @return false if the port dropped it (full, or the interface refused it)
     */
    boolean send(MemorySegment frame);

    /** The driver's receive queue of this lane started ({@code true}) or stopped. */
    default void receiving(boolean running) {
    }
}
