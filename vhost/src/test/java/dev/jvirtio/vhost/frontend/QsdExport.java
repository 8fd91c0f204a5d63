package dev.jvirtio.vhost.frontend;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.UnixListeners;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A qemu-storage-daemon process exporting an image (or a null device) as vhost-user-blk, the
 * reference back-end the front-end must work with unchanged.
 */
final class QsdExport implements AutoCloseable {

    static final Path QSD = Path.of("/usr/bin/qemu-storage-daemon");

    private final Process process;
    private final Path socket;
    private final Path log;

    private QsdExport(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /** Fails under CI, and skips loudly elsewhere, when qemu-storage-daemon is not installed. */
    static void requireInstalled() {
        if (Files.isExecutable(QSD)) {
            return;
        }
        String why = QSD + " is missing: install the Debian package qemu-system-common (scripts/setup does)";
        if (System.getenv("CI") != null) {
            fail(why);
        }
        System.err.println("SKIPPED qemu-storage-daemon test: " + why);
        Assumptions.abort(why);
    }

    /** Exports {@code image} writable with {@code queues} queues on a socket in {@code dir}. */
    static QsdExport image(Path dir, Path image, int queues) throws IOException, InterruptedException {
        return start(dir, List.of("--blockdev", "driver=file,node-name=f,filename=" + image.toString().replace(",", ",,"),
                "--blockdev", "driver=raw,node-name=d,file=f"), queues);
    }

    private static QsdExport start(Path dir, List<String> blockdevs, int queues) throws IOException, InterruptedException {
        requireInstalled();
        Path socket = dir.resolve("qsd.sock");
        Path log = dir.resolve("qsd.log");
        List<String> command = new ArrayList<>(List.of(QSD.toString()));
        command.addAll(blockdevs);
        command.addAll(List.of("--export", "type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path=" + socket
                + ",writable=on,num-queues=" + queues));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        QsdExport export = new QsdExport(process, socket, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!isListening(socket)) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                export.close();
                fail("qemu-storage-daemon did not create " + socket + ": " + Files.readString(log));
            }
            Thread.sleep(10);
        }
        return export;
    }

    /** Whether the back-end listens: its socket file exists from bind(), before listen(). */
    private static boolean isListening(Path path) {
        try {
            return UnixListeners.isListening(path);
        } catch (LinuxException e) {
            return false;
        }
    }

    Path socket() {
        return socket;
    }

    /** What the daemon printed. */
    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
