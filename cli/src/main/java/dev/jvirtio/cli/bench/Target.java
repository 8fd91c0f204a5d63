package dev.jvirtio.cli.bench;

import java.nio.file.Path;

/**
 * The back-end a benchmark drives: jvirtio's own (started in a JVM of its own), qemu-storage-daemon
 * (started with matching blockdev options), or whatever already listens on a socket.
 *
 * @param kind   which
 * @param socket the socket of a {@link Kind#SOCKET} target, else null
 */
record Target(Kind kind, Path socket) {

    enum Kind { JVIRTIO, QSD, SOCKET }

    /** Parses {@code jvirtio}, {@code qsd} or {@code socket:PATH}. */
    static Target parse(String text) {
        String t = text.trim();
        if (t.equals("jvirtio")) {
            return new Target(Kind.JVIRTIO, null);
        }
        if (t.equals("qsd")) {
            return new Target(Kind.QSD, null);
        }
        if (t.startsWith("socket:") && t.length() > "socket:".length()) {
            return new Target(Kind.SOCKET, Path.of(t.substring("socket:".length())));
        }
        throw new IllegalArgumentException("'" + text + "' is not a target; use jvirtio, qsd or socket:PATH");
    }

    /** Whether the benchmark starts this back-end itself. */
    boolean started() {
        return kind != Kind.SOCKET;
    }

    String label() {
        return switch (kind) {
            case JVIRTIO -> "jvirtio";
            case QSD -> "qsd";
            case SOCKET -> "socket:" + socket;
        };
    }
}
