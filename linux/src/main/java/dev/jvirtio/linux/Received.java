package dev.jvirtio.linux;

import java.util.List;

/**
 * What one receive on a {@link UnixSocket} delivered.
 *
 * @param bytes the number of bytes placed at the start of the buffer
 * @param fds the descriptors that came with the bytes (SCM_RIGHTS), in the order sent, owned by
 *     the receiver: close them or hand them on
 * @param eof whether the peer closed the connection (or reset it) before the receive was complete;
 *     a receive that returns at end of stream carries no descriptors
 */
public record Received(long bytes, List<Fd> fds, boolean eof) {

    public Received {
        fds = List.copyOf(fds);
    }

    /** Closes every received descriptor, for a caller that does not want them. */
    public void closeFds() {
        fds.forEach(Fd::close);
    }
}
