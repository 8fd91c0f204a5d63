package dev.jvirtio.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which Unix socket paths have a listening socket, read from {@code /proc/net/unix} without
 * connecting. A socket file appears at {@code bind()}, before {@code listen()}: a peer that cannot
 * retry (QEMU's {@code -chardev socket} without {@code reconnect}) must wait for the listener, and
 * a probing {@code connect()} would itself be a client to a back-end that serves one at a time.
 */
public final class UnixListeners {

    /** {@code __SO_ACCEPTCON} in the Flags column: the socket is listening. */
    private static final int ACCEPTING = 1 << 16;
    private static final Path PROC_NET_UNIX = Path.of("/proc/net/unix");

    private UnixListeners() {
    }

    /**
     * Whether a socket bound to {@code path} (as given, or as its absolute form) is listening.
     *
     * @throws LinuxException if {@code /proc/net/unix} cannot be read
     */
    public static boolean isListening(Path path) throws LinuxException {
        List<String> lines;
        try {
            lines = Files.readAllLines(PROC_NET_UNIX);
        } catch (IOException e) {
            throw LinuxException.detected("read(path=" + PROC_NET_UNIX + ")", e.getMessage());
        }
        return isListening(lines, path);
    }

    /** Whether {@code lines}, in {@code /proc/net/unix}'s format, show a listener on {@code path}. */
    static boolean isListening(List<String> lines, Path path) {
        String given = path.toString();
        String absolute = path.toAbsolutePath().normalize().toString();
        for (int i = 1; i < lines.size(); i++) {
            // Num RefCount Protocol Flags Type St Inode Path: the path is the eighth column, if bound.
            String[] columns = lines.get(i).trim().split("\\s+", 8);
            if (columns.length < 8) {
                continue;
            }
            String bound = columns[7];
            if (!bound.equals(given) && !bound.equals(absolute)) {
                continue;
            }
            try {
                if ((Integer.parseUnsignedInt(columns[3], 16) & ACCEPTING) != 0) {
                    return true;
                }
            } catch (NumberFormatException e) {
                // a line this reader does not understand is not a listener
            }
        }
        return false;
    }
}
