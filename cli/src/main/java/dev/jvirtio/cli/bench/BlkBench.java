package dev.jvirtio.cli.bench;

import dev.jvirtio.blk.driver.BlkDriverOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One benchmark run from start to end: start the target's back-end (unless it is an existing
 * socket), connect the driver, run the workload, optionally do more with the connected client,
 * disconnect and stop the back-end.
 */
final class BlkBench {

    /**
     * How to run.
     *
     * @param warmup     unmeasured time before the window
     * @param time       the measured window
     * @param polling    reap completions by polling instead of sleeping on the call eventfd
     * @param queueSize  virtqueue entries per queue
     * @param jvmOptions extra JVM options for a jvirtio back-end
     * @param seed       seed of the offsets and of the verify pattern
     */
    record Settings(Duration warmup, Duration time, boolean polling, int queueSize, List<String> jvmOptions, long seed) {
    }

    /** More work on the connected client after the measured run, such as a verify pass. */
    @FunctionalInterface
    interface AfterRun {
        void accept(BlkClient client) throws BenchException, IOException;
    }

    private BlkBench() {
    }

    /**
     * Runs {@code workload} against {@code target} serving {@code disk} (null for a socket target).
     *
     * @param after run on the connected client after the measurement; may be null
     * @throws BenchException with one sentence if anything fails
     */
    static BlkBenchResult run(Target target, Disk disk, Workload workload, Settings settings, ProgressLine progress,
                              AfterRun after) throws BenchException {
        BackendProcess backend = target.started()
                ? BackendProcess.start(target, disk, workload.queues(), settings.jvmOptions()) : null;
        try {
            Path socket = backend != null ? backend.socket() : target.socket();
            BlkDriverOptions options = BlkDriverOptions.defaults().withQueueDepth(workload.queueDepth())
                    .withMaxRequestBytes(workload.blockSize()).withPolling(settings.polling());
            BlkBenchResult result;
            try (BlkClient client = BlkClient.connect(socket, workload.queues(), settings.queueSize(), options)) {
                BlkBenchRunner.CpuClock cpu = backend != null ? backend::cpuSeconds : () -> Double.NaN;
                String diskLabel = disk != null ? disk.describe() : "served at " + socket;
                result = BlkBenchRunner.run(client, target.label(), diskLabel, workload, settings.warmup(),
                        settings.time(), cpu, progress, settings.seed());
                if (after != null) {
                    after.accept(client);
                }
            } catch (IOException e) {
                throw new BenchException(e.getMessage(), e);
            }
            if (backend != null && !backend.alive()) {
                throw new BenchException("the " + target.label() + " back-end died during the run: " + backend.lastLogLine());
            }
            return result;
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
    }
}
