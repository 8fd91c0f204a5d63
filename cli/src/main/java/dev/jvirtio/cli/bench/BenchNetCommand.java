package dev.jvirtio.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio bench net}: packets per second and Gbit/s of the virtio-net data path for 64-byte
 * and 1500-byte frames and 64 KiB TSO frames, each measured several times; prints min, median and
 * max. Exit code 0 on success, 1 if a run fails, 2 on a usage error.
 */
@Command(name = "net", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures jvirtio's virtio-net data path: two back-ends on the in-process switch, each driven over"
                + " vhost-user by jvirtio's virtio-net driver; one sends, the other counts.",
                "Reports packets/s and Gbit/s (Ethernet bytes) at the receiver for 64 B, 1500 B and 64 KiB TSO frames."})
public final class BenchNetCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--time", paramLabel = "SECONDS", defaultValue = "3", description = "measured time per run (default ${DEFAULT-VALUE})")
    double time;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "1", description = "unmeasured time first (default ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--reps", paramLabel = "N", defaultValue = "3", description = "runs per frame size (default ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--queue-size", paramLabel = "N", defaultValue = "256", description = "entries per queue (default ${DEFAULT-VALUE})")
    int queueSize;

    @Option(names = "--json", description = "print the results as JSON")
    boolean json;

    /** Held so that the level set on it stays: connection logs would interleave with the results. */
    private static final Logger VHOST_LOG = Logger.getLogger("dev.jvirtio.vhost");

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (time <= 0 || warmup < 0 || reps < 1 || queueSize < 2 || Integer.bitCount(queueSize) != 1 || queueSize > 32768) {
            err.println("jvirtio: bench net needs --time > 0, --warmup >= 0, --reps >= 1 and a power-of-2 --queue-size up to 32768");
            return 2;
        }
        VHOST_LOG.setLevel(Level.WARNING);
        List<List<NetBench.Result>> all = new ArrayList<>();
        for (NetBench.FrameKind kind : NetBench.FrameKind.values()) {
            List<NetBench.Result> runs = new ArrayList<>();
            for (int r = 0; r < reps; r++) {
                try {
                    runs.add(NetBench.run(kind, time, warmup, queueSize));
                } catch (BenchException e) {
                    err.println("jvirtio: " + e.getMessage());
                    return 1;
                }
            }
            all.add(runs);
        }
        if (json) {
            out.println(toJson(all));
        } else {
            out.printf("virtio-net over vhost-user through the in-process switch, %d run(s) of %.1f s each, queue size %d%n",
                    reps, time, queueSize);
            out.printf("%-12s %36s %30s %10s%n", "frame", "packets/s min / median / max", "Gbit/s min / median / max", "drops");
            for (List<NetBench.Result> runs : all) {
                double[] pps = runs.stream().mapToDouble(NetBench.Result::packetsPerSecond).sorted().toArray();
                double[] gbps = runs.stream().mapToDouble(NetBench.Result::gigabitsPerSecond).sorted().toArray();
                long drops = runs.stream().mapToLong(NetBench.Result::switchDrops).sum();
                out.printf("%-12s %36s %30s %10d%n", runs.getFirst().kind().label,
                        String.format("%,.0f / %,.0f / %,.0f", pps[0], pps[pps.length / 2], pps[pps.length - 1]),
                        String.format("%.2f / %.2f / %.2f", gbps[0], gbps[gbps.length / 2], gbps[gbps.length - 1]), drops);
            }
        }
        out.flush();
        return 0;
    }

    private static String toJson(List<List<NetBench.Result>> all) {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        for (List<NetBench.Result> runs : all) {
            for (NetBench.Result r : runs) {
                ObjectNode o = array.addObject();
                o.put("frame", r.kind().name().toLowerCase());
                o.put("ethernetBytes", r.kind().ethernetBytes);
                o.put("seconds", r.seconds());
                o.put("frames", r.frames());
                o.put("bytes", r.bytes());
                o.put("packetsPerSecond", r.packetsPerSecond());
                o.put("gigabitsPerSecond", r.gigabitsPerSecond());
                o.put("sentTotal", r.sentTotal());
                o.put("receivedTotal", r.receivedTotal());
                o.put("switchDrops", r.switchDrops());
            }
        }
        return array.toPrettyString();
    }
}
