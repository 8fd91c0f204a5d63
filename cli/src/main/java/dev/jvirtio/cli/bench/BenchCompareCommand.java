package dev.jvirtio.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio bench compare}: runs a matrix of disks x workloads x targets with the same client
 * on the same machine, targets alternating within each repetition, and reports min/median/max per
 * cell with the ratio of the first target to the second. Writes {@code compare.md},
 * {@code compare.html} and {@code compare.json} into the output directory.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs bench blk over targets x disks x workloads, alternating targets, several repetitions,"
                + " and writes a Markdown table and an HTML report with charts."})
public final class BenchCompareCommand implements Callable<Integer> {

    /** The measurement matrix of issue 4: 4k random reads and writes at QD 1, 16, 64; 64k sequential reads; two queues. */
    static final List<String> DEFAULT_WORKLOADS = List.of("randread/4k/1", "randread/4k/16", "randread/4k/64",
            "randwrite/4k/1", "randwrite/4k/16", "randwrite/4k/64", "read/64k/16", "randread/4k/64/2");

    @Spec
    CommandSpec spec;

    @Option(names = "--targets", split = ",", paramLabel = "TARGET", defaultValue = "jvirtio,qsd",
            description = "targets the benchmark starts, in column order; ratios are first/second (default ${DEFAULT-VALUE})")
    List<String> targets;

    @Option(names = "--disks", split = ",", paramLabel = "DISK", defaultValue = "null,none,writeback",
            description = "null (a null device) or a cache mode for the raw image (default ${DEFAULT-VALUE})")
    List<String> disks;

    @Option(names = "--workload", paramLabel = "RW/BS/QD[/QUEUES]",
            description = "a workload such as randread/4k/16 or randrw:70/4k/64/2 (repeatable; default: the issue-4 matrix)")
    List<String> workloads = new ArrayList<>();

    @Option(names = "--image", paramLabel = "FILE",
            description = "raw image for the cached disks; created full of data if missing (default: OUT/bench.img)")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1G",
            description = "size of the null device and of a created image (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--time", paramLabel = "SECONDS", defaultValue = "5", description = "measured time per run (default ${DEFAULT-VALUE})")
    double time;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "1", description = "unmeasured time per run (default ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--repeat", paramLabel = "R", defaultValue = "3", description = "repetitions of every cell (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-results", description = "where the reports go (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--poll", description = "reap completions by polling instead of waiting on the call eventfd")
    boolean poll;

    @Option(names = "--queue-size", paramLabel = "N", defaultValue = "256", description = "virtqueue entries (default ${DEFAULT-VALUE})")
    int queueSize;

    @Option(names = "--jvm-opt", paramLabel = "OPTION", description = "extra JVM option for the jvirtio back-end (repeatable)")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "seed of the offsets (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--quiet", description = "no progress line within a run")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Target> parsedTargets = new ArrayList<>();
        List<Workload> parsedWorkloads = new ArrayList<>();
        List<Disk> parsedDisks = new ArrayList<>();
        long bytes;
        Path imagePath = (image != null ? image : out.resolve("bench.img")).toAbsolutePath();
        try {
            for (String t : targets) {
                Target target = Target.parse(t);
                if (!target.started()) {
                    throw new IllegalArgumentException("compare starts its own back-ends; " + t + " cannot be compared");
                }
                if (parsedTargets.contains(target)) {
                    throw new IllegalArgumentException("target " + t + " is named twice");
                }
                parsedTargets.add(target);
            }
            bytes = ByteSize.parse(size);
            for (String d : disks) {
                parsedDisks.add(d.equals("null") ? Disk.nullDevice(bytes, "writeback") : Disk.image(imagePath, d));
            }
            for (String w : workloads.isEmpty() ? DEFAULT_WORKLOADS : workloads) {
                parsedWorkloads.add(Workload.parse(w));
            }
            if (repeat < 1 || !(time > 0) || warmup < 0) {
                throw new IllegalArgumentException("--repeat and --time must be positive, --warmup not negative");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            Files.createDirectories(out);
            if (parsedDisks.stream().anyMatch(d -> !d.isNull()) && !Files.exists(imagePath)) {
                stdout.println("creating " + imagePath + " (" + ByteSize.format(bytes) + ", every block written)");
                stdout.flush();
                createImage(imagePath, bytes);
            }
        } catch (IOException e) {
            err.println("jvirtio bench compare: cannot prepare " + out + ": " + e.getMessage());
            return 1;
        }
        BlkBench.Settings settings = new BlkBench.Settings(seconds(warmup), seconds(time), poll, queueSize,
                List.copyOf(jvmOptions), seed);
        ProgressLine progress = new ProgressLine(err, ProgressLine.onTerminal(), !quiet);
        List<BlkBenchResult> results = new ArrayList<>();
        int total = parsedDisks.size() * parsedWorkloads.size() * repeat * parsedTargets.size();
        int done = 0;
        for (Disk disk : parsedDisks) {
            for (Workload workload : parsedWorkloads) {
                for (int r = 0; r < repeat; r++) {
                    // Alternate the order in every repetition so that neither target always runs first.
                    List<Target> order = new ArrayList<>(parsedTargets);
                    if (r % 2 == 1) {
                        Collections.reverse(order);
                    }
                    for (Target target : order) {
                        BlkBenchResult result;
                        try {
                            result = BlkBench.run(target, disk, workload, settings, progress, null);
                        } catch (BenchException e) {
                            err.println("jvirtio bench compare: " + target.label() + ", " + disk.describe() + ", "
                                    + workload.describe() + ": " + e.getMessage());
                            err.flush();
                            return 1;
                        }
                        results.add(result);
                        done++;
                        stdout.println(String.format(Locale.ROOT, "[%d/%d] %-8s %-18s %-28s rep %d: %,10.0f IOPS  p99 %,8.0f us",
                                done, total, target.label(), disk.describe(), workload.describe(), r + 1, result.iops(),
                                result.latency().p99()));
                        stdout.flush();
                    }
                }
            }
        }
        CompareReport report = new CompareReport(parsedTargets.stream().map(Target::label).toList(), parsedDisks,
                parsedWorkloads, results, commandLine(), machine());
        try {
            Files.writeString(out.resolve("compare.md"), "Command: `" + commandLine() + "`\n\n" + machine() + "\n\n"
                    + report.markdown(), StandardCharsets.UTF_8);
            Files.writeString(out.resolve("compare.html"), report.html(), StandardCharsets.UTF_8);
            ObjectMapper mapper = new ObjectMapper();
            ArrayNode all = mapper.createArrayNode();
            results.forEach(r -> all.add(r.toJson(mapper)));
            Files.writeString(out.resolve("compare.json"), all.toPrettyString() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("jvirtio bench compare: cannot write the reports into " + out + ": " + e.getMessage());
            return 1;
        }
        stdout.println();
        stdout.print(report.markdown());
        stdout.println();
        report.ratioLines().forEach(stdout::println);
        stdout.println("reports: " + out.resolve("compare.md") + ", " + out.resolve("compare.html") + ", "
                + out.resolve("compare.json"));
        stdout.flush();
        return 0;
    }

    /** Writes {@code bytes} of non-zero data so that every block is allocated and reads touch the disk. */
    static void createImage(Path path, long bytes) throws IOException {
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31 + 7);
        }
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        try (OutputStream o = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (long written = 0; written < bytes; written += chunk.length) {
                o.write(chunk, 0, (int) Math.min(chunk.length, bytes - written));
            }
        }
        Files.move(partial, path);
    }

    /** "jvirtio bench compare" and the options this command was given, as the reports quote it. */
    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        int own = args.indexOf(spec.name());
        List<String> words = new ArrayList<>(List.of("jvirtio", "bench", "compare"));
        words.addAll(args.subList(own + 1, args.size()));
        return String.join(" ", words);
    }

    private static String machine() {
        return "Machine: " + Runtime.getRuntime().availableProcessors() + " CPUs shared by the client and the back-end"
                + " (every figure includes their contention), " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + ", Java " + Runtime.version() + ".";
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
