package dev.jvirtio.cli.serve;

import dev.jvirtio.blk.BlkDevice;
import dev.jvirtio.blk.BlkOptions;
import dev.jvirtio.blk.image.ImageFormat;
import dev.jvirtio.blk.image.Images;
import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.NullStorage;
import dev.jvirtio.blk.storage.Storage;
import dev.jvirtio.cli.SizeArgument;
import dev.jvirtio.cli.UserError;
import dev.jvirtio.linux.Affinity;
import dev.jvirtio.linux.Cpus;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jvirtio serve blk}: a virtio-blk back-end over vhost-user. */
@Command(name = "blk", mixinStandardHelpOptions = true,
        description = {"Serve a raw or qcow2 image, a block device or a null disk as a vhost-user-blk device.", "",
                "Prints the QEMU arguments and the libvirt XML that attach it. SIGINT or SIGTERM finishes",
                "the requests in flight, flushes, removes the socket and exits 0."})
public final class ServeBlkCommand implements Callable<Integer> {

    /** QEMU's default poll-max-ns for IOThreads. */
    static final int DEFAULT_POLL_MICROS = 32;

    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "UNIX socket to listen on.")
    Path socket;

    @ArgGroup(multiplicity = "1")
    StorageChoice storage;

    static final class StorageChoice {
        @Option(names = "--image", paramLabel = "FILE", description = "Image file (raw or qcow2) or block device.")
        Path image;

        @Option(names = "--null", paramLabel = "SIZE",
                description = "A null disk of SIZE (e.g. 1G): reads leave buffers untouched, writes are dropped.")
        String nullSize;
    }

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT",
            description = "auto (detect from the header), raw or qcow2. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--cache", defaultValue = "none", paramLabel = "MODE",
            description = "none (O_DIRECT), writeback, writethrough, directsync or unsafe. Default: ${DEFAULT-VALUE}.")
    String cache;

    @Option(names = "--queues", paramLabel = "N", description = "Request queues offered. Default: the CPU count.")
    Integer queues;

    @Option(names = "--threads", paramLabel = "N", description = "I/O threads. Default: one per queue, up to the CPU count.")
    Integer threads;

    @Option(names = "--cpus", paramLabel = "LIST", description = "Pin I/O thread i to the i-th CPU of LIST in ascending order, wrapping around (e.g. 2-3,6).")
    String cpus;

    @Option(names = "--io-workers", paramLabel = "N",
            description = {"Threads that run reads, writes and flushes so that many requests are in flight at once",
                    "(like QEMU's aio=threads); 0 serves them on the queue threads. Default: 64 for an image, 0 for --null."})
    Integer ioWorkers;

    @Option(names = "--poll-us", paramLabel = "MICROSECONDS",
            description = {"How long a queue thread keeps watching a ring that ran dry before it waits for a kick",
                    "(like QEMU's poll-max-ns); 0 waits at once. Default: 32 without I/O workers, 0 with them",
                    "(on few cores the spinning thread would take CPU time from the workers)."})
    Integer pollMicros;

    @Option(names = "--read-only", description = "Export read-only (VIRTIO_BLK_F_RO).")
    boolean readOnly;

    @Option(names = "--queue-size", defaultValue = "1024", paramLabel = "N",
            description = "Largest queue size accepted. Default: ${DEFAULT-VALUE}.")
    int queueSize;

    @Option(names = "--serial", paramLabel = "ID", description = "Disk serial (GET_ID), at most 20 bytes.")
    String serial;

    @Option(names = "--name", defaultValue = "blk0", description = "Device name in logs and thread names.")
    String name;

    @Override
    public Integer call() throws Exception {
        if (pollMicros != null && pollMicros < 0) {
            throw new UserError("--poll-us " + pollMicros + " must be 0 or more");
        }
        int cpuCount = Runtime.getRuntime().availableProcessors();
        int queueCount = queues != null ? queues : Math.max(1, cpuCount);
        int threadCount = threads != null ? threads : Math.max(1, Math.min(queueCount, cpuCount));
        BlkOptions options;
        try {
            int workers = ioWorkers != null ? ioWorkers : storage.image != null ? BlkOptions.DEFAULT_IO_WORKERS : 0;
            options = new BlkOptions(name, queueCount, queueSize, serial != null ? serial : defaultSerial(), workers);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        IntConsumer pinning = pinning();
        try (Storage disk = openStorage(); BlkDevice device = new BlkDevice(disk, options)) {
            VhostUserBackend backend;
            try {
                backend = new VhostUserBackend(device, socket, threadCount, pinning);
            } catch (LinuxException e) {
                throw new UserError("cannot listen on " + socket + ": " + e.getMessage(), e);
            }
            ShutdownSignal signal = new ShutdownSignal();
            try (backend) {
                int poll = pollMicros != null ? pollMicros : options.ioWorkers() == 0 ? DEFAULT_POLL_MICROS : 0;
                backend.pollFor(Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(poll))).start();
                printAttach(disk, queueCount, threadCount, backend);
                String got = signal.await();
                System.out.println("jvirtio: " + got + ", finishing requests in flight and flushing");
            }
            System.out.println("jvirtio: served " + device.counters());
            System.out.println("jvirtio: storage " + disk.counters());
        }
        return 0;
    }

    private String defaultSerial() {
        String base = storage.image != null ? storage.image.getFileName().toString() : "null";
        return base.length() > 20 ? base.substring(0, 20) : base;
    }

    private Storage openStorage() {
        CacheMode mode;
        try {
            mode = CacheMode.parse(cache);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (storage.nullSize != null) {
            return new NullStorage(SizeArgument.parse(storage.nullSize));
        }
        try {
            // raw or qcow2, detected from the image's first bytes.
            return Images.open(storage.image, imageFormat(), mode, readOnly);
        } catch (Exception e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    private ImageFormat imageFormat() {
        try {
            return ImageFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private IntConsumer pinning() {
        if (cpus == null) {
            return null;
        }
        BitSet set;
        try {
            set = Cpus.parseList(cpus);
        } catch (IllegalArgumentException e) {
            throw new UserError("--cpus " + cpus + ": " + e.getMessage());
        }
        int[] list = set.stream().toArray();
        if (list.length == 0) {
            throw new UserError("--cpus " + cpus + " names no CPU");
        }
        return index -> {
            BitSet one = new BitSet();
            one.set(list[index % list.length]);
            try {
                Affinity.setCurrentThread(one);
            } catch (LinuxException e) {
                throw new IllegalStateException("pinning to CPU " + list[index % list.length] + ": " + e.getMessage(), e);
            }
        };
    }

    private void printAttach(Storage disk, int queueCount, int threadCount, VhostUserBackend backend) {
        String what = storage.image != null ? storage.image.toString() : "null disk";
        System.out.printf("jvirtio: serving %s (%d bytes, cache=%s%s) on %s%n", what, disk.sizeBytes(),
                disk.cacheMode().name().toLowerCase(), disk.readOnly() ? ", read-only" : "", socket);
        System.out.printf("jvirtio: %d queue(s) on %d I/O thread(s): %s%n", queueCount, threadCount,
                String.join(", ", backend.threadNames()));
        System.out.println();
        System.out.println("QEMU:");
        System.out.println(AttachSnippets.qemuBlk(socket.toAbsolutePath(), queueCount));
        System.out.println();
        System.out.println("libvirt:");
        System.out.println(AttachSnippets.libvirtBlk(socket.toAbsolutePath(), queueCount));
        System.out.println();
        System.out.flush();
    }
}
