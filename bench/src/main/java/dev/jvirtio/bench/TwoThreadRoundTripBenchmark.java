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
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Driver and device in two threads that poll each other (no notifications): the driver keeps up to
 * 128 requests in flight, adding and publishing up to 16 at a time and reaping what came back; the
 * device pops, answers and publishes up to 16 at a time. Group {@code agrona} does the same over
 * two {@link EchoRings} rings with the same in-flight bound. A side that finds nothing to do yields
 * its core, the same way in both groups: with more runnable threads than cores, pure spinning
 * would measure the scheduler. The "messages" counter, counted by the driver thread, is round trips
 * per second; the primary score counts method calls, idle ones included, and means little.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"}) // Agrona 2 uses the JDK's internal Unsafe
public class TwoThreadRoundTripBenchmark {

    static final int QUEUE_SIZE = 256;
    static final int BATCH = 16;
    /** Chains of two descriptors in a table of 256. */
    static final int IN_FLIGHT = QUEUE_SIZE / 2;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] LENGTHS = {EchoRings.REQUEST_BYTES, EchoRings.REPLY_BYTES};

    private LoopbackQueue queue;
    private DriverQueue driver;
    private DeviceQueue device;
    private long[][] buffers;
    private int nextBuffer;
    private final DescriptorChain[] out = new DescriptorChain[BATCH];
    private final int[] heads = new int[QUEUE_SIZE];
    private final int[] usedLengths = new int[QUEUE_SIZE];
    private EchoRings rings;
    private long sequence;
    private int outstanding;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        queue = LoopbackQueue.create(QUEUE_SIZE, VirtioFeatures.of(VirtioFeatures.RING_EVENT_IDX), 0, 1 << 16);
        driver = queue.driver();
        device = queue.device();
        buffers = new long[IN_FLIGHT][];
        for (int i = 0; i < IN_FLIGHT; i++) {
            long base = LoopbackQueue.DATA_GPA + 32L * i;
            buffers[i] = new long[] {base, base + EchoRings.REQUEST_BYTES};
        }
        rings = new EchoRings();
    }

    @Benchmark
    @Group("virtqueue")
    @GroupThreads(1)
    public int virtqueueDriver(MessageCount count) throws Exception {
        DriverQueue d = driver;
        int added = 0;
        while (added < BATCH && d.freeDescriptors() >= 2) {
            d.add(buffers[nextBuffer], LENGTHS, 1, 1, false);
            nextBuffer = (nextBuffer + 1) % IN_FLIGHT;
            added++;
        }
        if (added > 0) {
            d.publish();
        }
        int reaped = d.reap(heads, usedLengths, QUEUE_SIZE);
        count.messages += reaped;
        if (added == 0 && reaped == 0) {
            Thread.yield();
        }
        return reaped;
    }

    @Benchmark
    @Group("virtqueue")
    @GroupThreads(1)
    public int virtqueueDevice() {
        DeviceQueue q = device;
        int n = q.pop(out, BATCH);
        for (int i = 0; i < n; i++) {
            DescriptorChain chain = out[i];
            chain.writable(0).set(LE_LONG, 0, chain.readable(0).get(LE_LONG, 0) + 1);
            q.pushUsed(chain, EchoRings.REPLY_BYTES);
        }
        if (n > 0) {
            q.publishUsed();
        } else {
            Thread.yield();
        }
        return n;
    }

    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public int agronaDriver(MessageCount count) {
        int sent = 0;
        while (sent < BATCH && outstanding < IN_FLIGHT && rings.send(sequence)) {
            sequence++;
            outstanding++;
            sent++;
        }
        int received = rings.receive(QUEUE_SIZE);
        outstanding -= received;
        count.messages += received;
        if (sent == 0 && received == 0) {
            Thread.yield();
        }
        return received;
    }

    @Benchmark
    @Group("agrona")
    @GroupThreads(1)
    public int agronaDevice() {
        int served = rings.serve(BATCH);
        if (served == 0) {
            Thread.yield();
        }
        return served;
    }

    @TearDown(Level.Trial)
    public void free() {
        if (device.isBroken()) {
            throw new IllegalStateException("the benchmark ring broke: " + device.failure().getMessage());
        }
        queue.close();
    }
}
