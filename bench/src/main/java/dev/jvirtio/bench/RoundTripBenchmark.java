package dev.jvirtio.bench;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.DriverQueue;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Driver and device in one thread, a batch at a time: the driver adds chains of a 16-byte request
 * and an 8-byte reply buffer and publishes, the device pops, answers, pushes and publishes, the
 * driver reaps. {@code agrona} moves the same messages through two {@link EchoRings} rings. The
 * "messages" counter is round trips per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"}) // Agrona 2 uses the JDK's internal Unsafe
public class RoundTripBenchmark {

    static final int QUEUE_SIZE = 256;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] LENGTHS = {EchoRings.REQUEST_BYTES, EchoRings.REPLY_BYTES};

    /** Requests per publication (and per read on the Agrona side). */
    @Param({"1", "16", "64"})
    int batch;

    private LoopbackQueue queue;
    private DriverQueue driver;
    private DeviceQueue device;
    private long[][] buffers;
    private DescriptorChain[] out;
    private int[] heads;
    private int[] usedLengths;
    private EchoRings rings;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        queue = LoopbackQueue.create(QUEUE_SIZE, VirtioFeatures.of(VirtioFeatures.RING_EVENT_IDX), 0, 1 << 16);
        driver = queue.driver();
        device = queue.device();
        buffers = new long[batch][];
        for (int i = 0; i < batch; i++) {
            long base = LoopbackQueue.DATA_GPA + 32L * i;
            buffers[i] = new long[] {base, base + EchoRings.REQUEST_BYTES};
        }
        out = new DescriptorChain[batch];
        heads = new int[batch];
        usedLengths = new int[batch];
        rings = new EchoRings();
    }

    @Benchmark
    public long virtqueue(MessageCount count) throws Exception {
        for (int i = 0; i < batch; i++) {
            driver.add(buffers[i], LENGTHS, 1, 1, false);
        }
        driver.publish();
        boolean kick = driver.kickNeeded();
        int n = device.pop(out, batch);
        for (int i = 0; i < n; i++) {
            DescriptorChain chain = out[i];
            chain.writable(0).set(LE_LONG, 0, chain.readable(0).get(LE_LONG, 0) + 1);
            device.pushUsed(chain, EchoRings.REPLY_BYTES);
        }
        device.publishUsed();
        boolean notify = device.needsNotification();
        int reaped = driver.reap(heads, usedLengths, batch);
        count.messages += reaped;
        return reaped + (kick ? 1 : 0) + (notify ? 1 : 0);
    }

    @Benchmark
    public long agrona(MessageCount count) {
        for (int i = 0; i < batch; i++) {
            rings.send(sequence++);
        }
        rings.serve(batch);
        int received = rings.receive(batch);
        count.messages += received;
        return rings.replySum();
    }

    @TearDown(Level.Iteration)
    public void checkHealthy() {
        if (device.isBroken()) {
            throw new IllegalStateException("the benchmark ring broke: " + device.failure().getMessage());
        }
        if (driver.freeDescriptors() != QUEUE_SIZE) {
            throw new IllegalStateException("chains left in flight: " + (QUEUE_SIZE - driver.freeDescriptors()) + " descriptors");
        }
    }

    @TearDown(Level.Trial)
    public void free() {
        queue.close();
    }
}
