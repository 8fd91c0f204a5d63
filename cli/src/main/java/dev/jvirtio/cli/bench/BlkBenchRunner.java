package dev.jvirtio.cli.bench;

import dev.jvirtio.blk.BlkRequestType;
import dev.jvirtio.blk.driver.BlkDriver;
import dev.jvirtio.blk.driver.BlkDriverQueue;
import dev.jvirtio.blk.driver.CompletionHandler;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Drives a {@link Workload} through a connected {@link BlkClient}: one thread per queue keeps
 * {@code queueDepth} requests in flight, the first {@code warmup} is not counted, then every
 * request completed inside the measured window is counted and its latency (staging to reaping)
 * recorded in an HdrHistogram.
 */
final class BlkBenchRunner {

    /** Where the back-end's CPU time comes from; NaN when unknown. */
    @FunctionalInterface
    interface CpuClock {
        double seconds() throws BenchException;
    }

    private static final long HIGHEST_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private BlkBenchRunner() {
    }

    /**
     * Runs {@code workload} for {@code warmup + time} and returns the figures of the measured part.
     *
     * @throws BenchException if a request fails or the back-end stops answering
     */
    static BlkBenchResult run(BlkClient client, String target, String disk, Workload workload, Duration warmup,
                              Duration time, CpuClock cpu, ProgressLine progress, long seed) throws BenchException {
        BlkDriver driver = client.driver();
        long blocks = driver.capacityBytes() / workload.blockSize();
        if (blocks < 1) {
            throw new BenchException("the device has " + driver.capacityBytes() + " bytes, less than one "
                    + workload.blockSize() + "-byte request");
        }
        if (workload.readPercent() < 100 && driver.readOnly()) {
            throw new BenchException("the device is read-only; use --rw randread or read");
        }
        long start = System.nanoTime();
        long measureStart = start + warmup.toNanos();
        long measureEnd = measureStart + time.toNanos();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Worker> workers = new ArrayList<>();
        for (int q = 0; q < workload.queues(); q++) {
            workers.add(new Worker(driver.queue(q), workload, blocks, q, measureStart, measureEnd, seed + q, failure));
        }
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
            threads.add(Thread.ofPlatform().name("jvirtio-bench-q" + w.queue.index()).start(w));
        }
        double cpuStart = Double.NaN;
        double cpuEnd = Double.NaN;
        try {
            Pacer pacer = new Pacer(workers, failure, progress, target + " " + workload.describe(), start);
            if (pacer.pace(start, measureStart, "warm-up")) {
                cpuStart = cpu.seconds();
                if (pacer.pace(measureStart, measureEnd, "measuring")) {
                    cpuEnd = cpu.seconds();
                }
            }
        } finally {
            progress.finish();
            for (Worker w : workers) {
                w.stop = true;
            }
            for (Thread t : threads) {
                joinUninterruptibly(t);
            }
        }
        if (failure.get() != null) {
            Throwable t = failure.get();
            throw new BenchException(t instanceof IOException ? t.getMessage() : "the benchmark failed: " + t, t);
        }
        Histogram all = new Histogram(HIGHEST_LATENCY_NANOS, 3);
        long ops = 0;
        long reads = 0;
        long kicks = 0;
        long waits = 0;
        for (Worker w : workers) {
            all.add(w.histogram);
            ops += w.ops;
            reads += w.reads;
            kicks += w.queue.kicks() - w.kicksBefore;
            waits += w.queue.waits() - w.waitsBefore;
        }
        if (ops == 0) {
            throw new BenchException("no request completed in the measured " + time.toMillis() / 1000.0 + " s");
        }
        BlkBenchResult.Latency latency = new BlkBenchResult.Latency(all.getMinValue() / 1e3,
                all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3, all.getMean() / 1e3);
        return new BlkBenchResult(target, disk, workload, time.toNanos() / 1e9, ops, reads, latency,
                cpuEnd - cpuStart, kicks, waits);
    }

    /** Wakes the pacing thread once a second to show progress. */
    private static final class Pacer {

        private final List<Worker> workers;
        private final AtomicReference<Throwable> failure;
        private final ProgressLine progress;
        private final String title;
        private long lastCount;
        private long lastTime;

        Pacer(List<Worker> workers, AtomicReference<Throwable> failure, ProgressLine progress, String title, long start) {
            this.workers = workers;
            this.failure = failure;
            this.progress = progress;
            this.title = title;
            this.lastTime = start;
        }

        /** Shows progress each second from {@code from} to {@code to}; false if a worker failed. */
        boolean pace(long from, long to, String phase) {
            for (long tick = from; tick < to; ) {
                tick = Math.min(tick + TICK_NANOS, to);
                if (!sleepUntil(tick, failure)) {
                    return false;
                }
                long now = System.nanoTime();
                long count = workers.stream().mapToLong(w -> w.progress.get()).sum();
                double rate = (count - lastCount) * 1e9 / Math.max(1, now - lastTime);
                lastCount = count;
                lastTime = now;
                progress.show(String.format(Locale.ROOT, "%s  %s %.0f/%.0f s  %,.0f IOPS", title, phase,
                        (tick - from) / 1e9, (to - from) / 1e9, rate));
            }
            return failure.get() == null;
        }
    }

    /** Parks until {@code deadline}; false if a worker failed meanwhile. */
    private static boolean sleepUntil(long deadline, AtomicReference<Throwable> failure) {
        while (true) {
            if (failure.get() != null) {
                return false;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Keeps one queue full until the window ends. */
    private static final class Worker implements Runnable {

        private final BlkDriverQueue queue;
        private final Workload workload;
        private final long blocks;
        private final long measureStart;
        private final long measureEnd;
        private final SplittableRandom random;
        private final AtomicReference<Throwable> failure;
        private final long[] startedAt;
        private final boolean[] isRead;
        private final Histogram histogram = new Histogram(HIGHEST_LATENCY_NANOS, 3);
        private final AtomicLong progress = new AtomicLong();
        private final long sectorsPerBlock;
        private long nextBlock;
        private long completed;
        private int staged;
        private long ops;
        private long reads;
        private long kicksBefore;
        private long waitsBefore;
        private volatile boolean stop;

        Worker(BlkDriverQueue queue, Workload workload, long blocks, int index, long measureStart, long measureEnd,
               long seed, AtomicReference<Throwable> failure) {
            this.queue = queue;
            this.workload = workload;
            this.blocks = blocks;
            this.measureStart = measureStart;
            this.measureEnd = measureEnd;
            this.random = new SplittableRandom(seed);
            this.failure = failure;
            this.startedAt = new long[queue.depth()];
            this.isRead = new boolean[queue.depth()];
            this.sectorsPerBlock = workload.blockSize() >>> BlkRequestType.SECTOR_SHIFT;
            // Sequential streams of different queues start spread over the device.
            this.nextBlock = blocks * index / workload.queues();
        }

        @Override
        public void run() {
            try {
                kicksBefore = queue.kicks();
                waitsBefore = queue.waits();
                for (int slot = 0; slot < queue.depth(); slot++) {
                    MemorySegment data = queue.data(slot);
                    for (long i = 0; i < workload.blockSize(); i += 8) {
                        data.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
                    }
                    stageNext(slot, System.nanoTime());
                }
                queue.submit();
                CompletionHandler handler = this::completed;
                while (queue.inFlight() > 0) {
                    staged = 0;
                    queue.complete(handler);
                    if (staged > 0) {
                        queue.submit();
                    }
                    progress.lazySet(completed);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                try {
                    queue.drain();
                } catch (IOException | RuntimeException ignored) {
                    // the first failure is the one reported
                }
            }
        }

        private void completed(int slot, int status) throws IOException {
            long now = System.nanoTime();
            if (status != BlkRequestType.S_OK) {
                throw queue.failure(slot, status);
            }
            completed++;
            if (now >= measureStart && now < measureEnd) {
                histogram.recordValue(Math.min(now - startedAt[slot], HIGHEST_LATENCY_NANOS));
                ops++;
                reads += isRead[slot] ? 1 : 0;
            }
            if (now < measureEnd && !stop) {
                stageNext(slot, now);
                staged++;
            }
        }

        private void stageNext(int slot, long now) {
            boolean read = workload.readPercent() == 100 || (workload.readPercent() > 0
                    && random.nextInt(100) < workload.readPercent());
            long block;
            if (workload.pattern().random()) {
                block = random.nextLong(blocks);
            } else {
                block = nextBlock;
                nextBlock = nextBlock + 1 == blocks ? 0 : nextBlock + 1;
            }
            isRead[slot] = read;
            startedAt[slot] = now;
            queue.stage(slot, read ? BlkRequestType.IN : BlkRequestType.OUT, block * sectorsPerBlock, workload.blockSize());
        }
    }
}
