package dev.jvirtio.cli;

import dev.jvirtio.blk.BlkDevice;
import dev.jvirtio.blk.BlkOptions;
import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.RawStorage;
import dev.jvirtio.guest.GuestFile;
import dev.jvirtio.guest.GuestKernel;
import dev.jvirtio.guest.GuestMachine;
import dev.jvirtio.guest.GuestRun;
import dev.jvirtio.guest.Initramfs;
import dev.jvirtio.guest.MissingGuestKernelException;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvirtio demo}: serves a sample disk image over vhost-user and boots a small Linux guest
 * on it whose own virtio_blk driver writes, reads and reports what it saw; the host then checks the
 * image.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Boot a small Linux guest on a sample disk that jvirtio serves.", "",
                "Serves a sample image with jvirtio's vhost-user-blk back-end and boots a Linux guest on it",
                "(QEMU; KVM where it works, else TCG). The guest's virtio_blk driver writes a pattern with",
                "O_DIRECT, reads it back and reports; the host checks the image."})
public final class DemoCommand implements Callable<Integer> {

    private static final long PATTERN_OFFSET = 1L << 20;

    @Option(names = "--image", paramLabel = "FILE", description = "Raw image to use (created if missing). Default: a fresh 64 MiB sample.")
    Path image;

    @Option(names = "--size", defaultValue = "64M", description = "Size of a new sample image. Default: ${DEFAULT-VALUE}.")
    String size;

    @Option(names = "--cache", defaultValue = "none", description = "Cache mode of the back-end. Default: ${DEFAULT-VALUE}.")
    String cache;

    @Option(names = "--cpus", defaultValue = "1", description = "Guest vCPUs (one queue each). Default: ${DEFAULT-VALUE}.")
    int cpus;

    @Override
    public Integer call() throws Exception {
        GuestKernel kernel;
        try {
            kernel = GuestKernel.locate();
        } catch (MissingGuestKernelException e) {
            throw new UserError(e.getMessage());
        }
        Path work = Files.createTempDirectory("jvirtio-demo");
        Path disk = image != null ? image : work.resolve("sample.raw");
        if (!Files.exists(disk)) {
            try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
                f.setLength(SizeArgument.parse(size));
            }
        }
        byte[] pattern = new byte[256 * 1024];
        new Random().nextBytes(pattern);
        String expected = md5(pattern);
        Path socket = work.resolve("blk.sock");
        CacheMode mode = CacheMode.parse(cache);
        System.out.printf("demo: serving %s (cache=%s) on %s%n", disk, cache, socket);
        GuestRun run;
        try (RawStorage storage = RawStorage.open(disk, mode, false)) {
            BlkDevice device = new BlkDevice(storage, new BlkOptions("blk0", cpus, 256, "jvirtio-demo"));
            try (VhostUserBackend backend = new VhostUserBackend(device, socket, cpus, null).start()) {
                Path initramfs = Initramfs.build(kernel, script(), List.of(GuestFile.of("/data/pattern", pattern)),
                        work);
                GuestMachine machine = GuestMachine.builder(kernel, initramfs).cpus(cpus).vhostUserBlk(socket, cpus)
                        .timeout(Duration.ofMinutes(3)).consoleLog(work.resolve("console.log")).build();
                System.out.println("demo: booting " + kernel.version() + " with " + machine.accelerator());
                System.out.println("demo: " + machine.shellCommand());
                run = machine.run();
                System.out.println("demo: the guest reports");
                run.markers().forEach(m -> System.out.printf("  %-12s %s%n", m.key(), m.value()));
                System.out.println("demo: back-end " + device.counters());
                for (int q = 0; q < backend.queueStats().size(); q++) {
                    System.out.println("demo: queue " + q + " " + backend.queueStats().get(q));
                }
            }
        }
        boolean guestOk = run.succeeded() && run.marker("readback").orElse("").equals(expected);
        byte[] stored = new byte[pattern.length];
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            f.seek(PATTERN_OFFSET);
            f.readFully(stored);
        }
        String onHost = md5(stored);
        System.out.printf("demo: pattern md5 %s; guest read back %s; host finds %s in the image%n", expected,
                run.marker("readback").orElse("nothing"), onHost);
        boolean ok = guestOk && onHost.equals(expected);
        System.out.println(ok ? "demo: OK, the guest's virtio_blk driver used jvirtio's back-end end to end"
                : "demo: FAILED; console log: " + work.resolve("console.log") + "\n" + run.describe());
        if (ok && image == null) {
            try (var files = Files.list(work)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(work);
        }
        return ok ? 0 : 1;
    }

    private static String script() {
        return """
                set -e
                mark kernel "$(uname -r)"
                mark disk "$(cat /sys/block/vda/size) sectors, driver $(basename $(readlink /sys/block/vda/device/driver))"
                mark queues "$(ls /sys/block/vda/mq | wc -l)"
                mark serial "$(cat /sys/block/vda/serial 2>/dev/null || echo none)"
                dd if=/data/pattern of=/dev/vda bs=4096 seek=256 oflag=direct conv=notrunc 2>/dev/null
                mark readback "$(dd if=/dev/vda bs=4096 skip=256 count=64 iflag=direct 2>/dev/null | md5sum | cut -d ' ' -f 1)"
                mark flush "$(sync && echo ok)"
                """;
    }

    private static String md5(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }
}
