package dev.jvirtio.vhost.protocol;

/**
 * A violation of the vhost-user protocol by the peer, or a request the back-end cannot honour.
 * The back-end closes the connection that sent it and keeps serving the next one.
 */
public final class VhostUserException extends Exception {

    public VhostUserException(String message) {
        super(message);
    }

    public VhostUserException(String message, Throwable cause) {
        super(message, cause);
    }
}
