package dev.jvirtio.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.blk.BlkRequestType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio bench blk}: measures one vhost-user-blk back-end with jvirtio's own virtio-blk
 * driver. Exit code 0 on success, 1 if the run fails or {@code --verify} finds a wrong sector, 2
 * on a usage error.
 */
@Command(name = "blk", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures a vhost-user-blk back-end with jvirtio's virtio-blk driver: IOPS, MiB/s, latency"
                + " percentiles and the back-end's CPU time.",
                "The back-end is started for the run (jvirtio in a JVM of its own, or qemu-storage-daemon) unless"
                        + " the target is an existing socket."})
public final class BenchBlkCommand implements Callable<Integer> {

    /** The disk: an image or a null device (one of them unless the target is a socket). */
    static final class DiskChoice {
        @Option(names = "--image", paramLabel = "FILE", description = "raw image the back-end serves")
        Path image;

        @Option(names = "--null", description = "a null device: writes are dropped, reads return no data")
        boolean nullDevice;
    }

    /** The largest request size --bs accepts. */
    private static final long MAX_REQUEST_BYTES = 4L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--target", required = true, paramLabel = "jvirtio|qsd|socket:PATH",
            description = "the back-end: jvirtio's, qemu-storage-daemon, or one already listening on PATH")
    String target;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    DiskChoice disk;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1G", description = "size of a --null device (default ${DEFAULT-VALUE})")
    String nullSize;

    @Option(names = "--cache", paramLabel = "MODE", defaultValue = "writeback",
            description = "host cache: none, writeback, writethrough, directsync, unsafe (default ${DEFAULT-VALUE})")
    String cache;

    @Option(names = "--rw", paramLabel = "PATTERN", defaultValue = "randread",
            description = "randread, randwrite, read, write or randrw[:READ%%] (default ${DEFAULT-VALUE})")
    String rw;

    @Option(names = "--bs", paramLabel = "SIZE", defaultValue = "4k", description = "bytes per request (default ${DEFAULT-VALUE})")
    String blockSize;

    @Option(names = "--qd", paramLabel = "N", defaultValue = "1", description = "requests in flight per queue (default ${DEFAULT-VALUE})")
    int queueDepth;

    @Option(names = "--queues", paramLabel = "N", defaultValue = "1", description = "queues, one client thread each (default ${DEFAULT-VALUE})")
    int queues;

    @Option(names = "--time", paramLabel = "SECONDS", defaultValue = "10", description = "measured time (default ${DEFAULT-VALUE})")
    double time;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "2", description = "unmeasured time first (default ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--verify", description = "after the run, write a checksummed pattern, read it back and check it")
    boolean verify;

    @Option(names = "--verify-size", paramLabel = "SIZE", defaultValue = "64M",
            description = "bytes --verify covers from the start of the device (default ${DEFAULT-VALUE})")
    String verifySize;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Option(names = "--poll", description = "reap completions by polling the used ring instead of waiting on the call eventfd")
    boolean poll;

    @Option(names = "--queue-size", paramLabel = "N", defaultValue = "256", description = "virtqueue entries (default ${DEFAULT-VALUE})")
    int queueSize;

    @Option(names = "--jvm-opt", paramLabel = "OPTION", description = "extra JVM option for a jvirtio back-end (repeatable)")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", description = "seed of offsets and pattern (default: random)")
    Long seed;

    @Option(names = "--quiet", description = "no progress line")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Target parsedTarget;
        Disk parsedDisk;
        Workload workload;
        long verifyBytes;
        try {
            parsedTarget = Target.parse(target);
            parsedDisk = disk(parsedTarget);
            long bs = ByteSize.parse(blockSize);
            if (bs > MAX_REQUEST_BYTES) {
                throw new IllegalArgumentException("--bs " + blockSize + " is above the largest request, "
                        + ByteSize.format(MAX_REQUEST_BYTES));
            }
            workload = Workload.of(rw, (int) bs, queueDepth, queues);
            verifyBytes = ByteSize.parse(verifySize);
            if (verifyBytes % PatternCheck.SECTOR != 0) {
                throw new IllegalArgumentException("--verify-size " + verifySize + " must be a multiple of 512");
            }
            if (verify && parsedDisk != null && parsedDisk.isNull()) {
                throw new IllegalArgumentException("--verify needs an --image: a null device keeps no data");
            }
            if (!(time > 0) || warmup < 0) {
                throw new IllegalArgumentException("--time must be positive and --warmup not negative");
            }
            if (queueSize < 2 || queueSize > 32768 || Integer.bitCount(queueSize) != 1) {
                throw new IllegalArgumentException("--queue-size " + queueSize + " must be a power of 2 from 2 to 32768");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        long runSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        BlkBench.Settings settings = new BlkBench.Settings(seconds(warmup), seconds(time), poll, queueSize,
                List.copyOf(jvmOptions), runSeed);
        PatternCheck.Outcome[] verified = {null};
        BlkBench.AfterRun after = !verify ? null : client -> {
            if (client.driver().readOnly()) {
                throw new BenchException("--verify writes a pattern, and the device is read-only");
            }
            var queue = client.driver().queue(0);
            long bytes = Math.min(verifyBytes, client.driver().capacityBytes() / PatternCheck.SECTOR * PatternCheck.SECTOR);
            PatternCheck.write(queue, bytes, runSeed, client.driver().supports(BlkRequestType.FLUSH));
            verified[0] = PatternCheck.check(queue, bytes, runSeed);
        };
        BlkBenchResult result;
        try {
            result = BlkBench.run(parsedTarget, parsedDisk, workload, settings,
                    new ProgressLine(err, ProgressLine.onTerminal(), !quiet), after);
        } catch (BenchException e) {
            err.println("jvirtio bench blk: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode node = result.toJson(mapper);
            node.put("seed", runSeed);
            if (verified[0] != null) {
                ObjectNode v = node.putObject("verify");
                v.put("bytes", verified[0].bytes());
                v.put("ok", verified[0].ok());
                v.put("bad_sectors", verified[0].badSectors());
                if (!verified[0].ok()) {
                    v.put("first_problem", verified[0].firstProblem());
                }
            }
            out.println(node.toString());
        } else {
            out.print(result.table());
            if (verified[0] != null) {
                out.println(verified[0].describe());
            }
        }
        out.flush();
        return verified[0] == null || verified[0].ok() ? 0 : 1;
    }

    private Disk disk(Target parsedTarget) {
        boolean given = disk != null && (disk.image != null || disk.nullDevice);
        if (!parsedTarget.started()) {
            if (given) {
                throw new IllegalArgumentException("--image and --null describe a back-end the benchmark starts;"
                        + " a socket target serves what it serves");
            }
            return null;
        }
        if (!given) {
            throw new IllegalArgumentException("--target " + target + " needs --image FILE or --null");
        }
        return disk.image != null ? Disk.image(disk.image.toAbsolutePath(), cache)
                : Disk.nullDevice(ByteSize.parse(nullSize), cache);
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
