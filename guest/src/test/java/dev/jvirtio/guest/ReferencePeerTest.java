package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jvirtio.linux.UnixListeners;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest against the reference vhost-user-blk back-end, qemu-storage-daemon: the harness's
 * disk plumbing works with a back-end that is not ours.
 */
class ReferencePeerTest {
    private static final int BLOCK = 4096;
    private static final long IMAGE_SIZE = 64L * 1024 * 1024;
    private static final Duration SOCKET_DEADLINE = Duration.ofSeconds(15);

    @Test
    void guestWritesAPatternWithDirectIoAndTheHostFindsItInTheImage(@TempDir Path dir, TestInfo test)
            throws Exception {
        GuestKernel kernel = GuestPrerequisites.kernel();
        GuestPrerequisites.program("qemu-system-x86_64", "qemu-system-x86");
        GuestPrerequisites.program("qemu-storage-daemon", "qemu-system-common");
        String name = test.getTestMethod().orElseThrow().getName();

        Path disk = dir.resolve("disk.raw");
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(IMAGE_SIZE);
        }
        byte[] pattern = new byte[64 * BLOCK];
        new Random(name.hashCode()).nextBytes(pattern);
        long firstBlock = 4099;
        long offset = firstBlock * BLOCK;
        int blocks = pattern.length / BLOCK;

        Path socket = dir.resolve("blk.sock");
        Path daemonLog = GuestPrerequisites.LOGS.resolve(name + "-qemu-storage-daemon.log");
        Files.createDirectories(daemonLog.getParent());
        Process daemon = new ProcessBuilder(List.of("qemu-storage-daemon",
                "--blockdev", "driver=file,node-name=f,filename=" + disk,
                "--blockdev", "driver=raw,node-name=d,file=f",
                "--export", "type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path=" + socket + ",writable=on"))
                .redirectErrorStream(true)
                .redirectOutput(daemonLog.toFile())
                .start();
        try {
            awaitSocket(socket, daemon, daemonLog);
            Path image = Initramfs.build(kernel, """
                    set -e
                    mark size "$(blockdev --getsize64 /dev/vda)"
                    dd if=/data/pattern.bin of=/dev/vda bs=%1$d seek=%2$d oflag=direct conv=notrunc
                    mark md5 "$(dd if=/dev/vda bs=%1$d skip=%2$d count=%3$d iflag=direct | md5sum | cut -d ' ' -f 1)"
                    """.formatted(BLOCK, firstBlock, blocks),
                    List.of(GuestFile.of("/data/pattern.bin", pattern)), GuestPrerequisites.IMAGES);

            GuestRun run = GuestMachine.builder(kernel, image)
                    .vhostUserBlk(socket, 1)
                    .timeout(Duration.ofSeconds(45))
                    .consoleLog(GuestPrerequisites.LOGS.resolve(name + ".log"))
                    .build()
                    .run();

            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("size")).as(run.describe()).contains(Long.toString(IMAGE_SIZE));
            assertThat(run.marker("md5")).as(run.describe()).contains(md5(pattern));
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        byte[] stored = new byte[pattern.length];
        byte[] before = new byte[BLOCK];
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "r")) {
            file.seek(offset);
            file.readFully(stored);
            file.seek(offset - BLOCK);
            file.readFully(before);
        }
        assertThat(stored).as("image bytes at offset " + offset).isEqualTo(pattern);
        assertThat(before).as("the block before the pattern stays zero").containsOnly((byte) 0);
        assertThat(Files.size(disk)).isEqualTo(IMAGE_SIZE);
    }

    /**
     * Polls until the daemon listens on its socket (QEMU's chardev connects once: the socket file
     * alone, made at bind(), is not enough); fails early if the daemon exits.
     */
    private static void awaitSocket(Path socket, Process daemon, Path log) throws Exception {
        long deadline = System.nanoTime() + SOCKET_DEADLINE.toNanos();
        while (!UnixListeners.isListening(socket)) {
            if (!daemon.isAlive()) {
                fail("qemu-storage-daemon exited with status " + daemon.exitValue() + ": " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                fail("qemu-storage-daemon did not listen on " + socket + " within " + SOCKET_DEADLINE);
            }
            daemon.waitFor(20, TimeUnit.MILLISECONDS);
        }
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
