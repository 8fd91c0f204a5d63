package dev.jvirtio.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The figures of one measured run.
 *
 * @param target            the target's label
 * @param disk              what the back-end served, as {@link Disk#describe()} says
 * @param workload          what was asked
 * @param seconds           length of the measured window
 * @param ops               requests completed inside the window
 * @param reads             of which reads
 * @param latency           completion latency in microseconds
 * @param backendCpuSeconds user + system CPU of the back-end process inside the window; NaN if unknown
 * @param kicks             available buffer notifications the client sent in the window's run
 * @param waits             times the client slept on a call eventfd
 */
record BlkBenchResult(String target, String disk, Workload workload, double seconds, long ops, long reads,
                      Latency latency, double backendCpuSeconds, long kicks, long waits) {

    /** Latency percentiles in microseconds. */
    record Latency(double min, double p50, double p99, double p999, double max, double mean) {
    }

    double iops() {
        return ops / seconds;
    }

    double mibPerSecond() {
        return ops * (double) workload.blockSize() / seconds / (1024 * 1024);
    }

    /** Back-end CPU microseconds per request; NaN if the CPU time is unknown. */
    double backendCpuMicrosPerOp() {
        return ops == 0 ? Double.NaN : backendCpuSeconds * 1e6 / ops;
    }

    /** One JSON object: iops, mib_per_s, lat_us{min,p50,p99,p999,max,mean}, backend_cpu_s (null if unknown) and the setup. */
    ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("target", target);
        o.put("disk", disk);
        o.put("rw", workload.rw());
        o.put("bs", workload.blockSize());
        o.put("qd", workload.queueDepth());
        o.put("queues", workload.queues());
        o.put("seconds", seconds);
        o.put("ops", ops);
        o.put("reads", reads);
        o.put("writes", ops - reads);
        o.put("iops", iops());
        o.put("mib_per_s", mibPerSecond());
        ObjectNode lat = o.putObject("lat_us");
        lat.put("min", latency.min());
        lat.put("p50", latency.p50());
        lat.put("p99", latency.p99());
        lat.put("p999", latency.p999());
        lat.put("max", latency.max());
        lat.put("mean", latency.mean());
        if (Double.isNaN(backendCpuSeconds)) {
            o.putNull("backend_cpu_s");
        } else {
            o.put("backend_cpu_s", backendCpuSeconds);
        }
        o.put("kicks", kicks);
        o.put("waits", waits);
        return o;
    }

    /** The result table printed at the end of {@code bench blk}. */
    String table() {
        StringBuilder b = new StringBuilder();
        row(b, "target", target + " (" + disk + ")");
        row(b, "workload", workload.describe());
        row(b, "measured", String.format(Locale.ROOT, "%.2f s, %,d requests (%,d reads, %,d writes)", seconds, ops, reads,
                ops - reads));
        row(b, "IOPS", String.format(Locale.ROOT, "%,.0f", iops()));
        row(b, "MiB/s", String.format(Locale.ROOT, "%,.1f", mibPerSecond()));
        row(b, "latency (us)", String.format(Locale.ROOT, "min %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f",
                latency.min(), latency.p50(), latency.p99(), latency.p999(), latency.max(), latency.mean()));
        row(b, "back-end CPU", Double.isNaN(backendCpuSeconds) ? "unknown (the back-end was not started by the benchmark)"
                : String.format(Locale.ROOT, "%.2f s (%.0f%% of one core, %.1f us per request)", backendCpuSeconds,
                        100 * backendCpuSeconds / seconds, backendCpuMicrosPerOp()));
        row(b, "notifications", String.format(Locale.ROOT, "%,d kicks sent, %,d waits for a call", kicks, waits));
        return b.toString();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append(String.format(Locale.ROOT, "%-14s %s%n", name, value));
    }
}
