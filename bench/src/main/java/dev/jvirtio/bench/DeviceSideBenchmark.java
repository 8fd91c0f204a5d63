package dev.jvirtio.bench;

import static dev.jvirtio.core.virtqueue.SplitRingLayout.AVAIL_IDX;
import static dev.jvirtio.core.virtqueue.SplitRingLayout.availElementOffset;
import static dev.jvirtio.core.virtqueue.SplitRingLayout.availRingSize;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.virtqueue.DescriptorChain;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.core.virtqueue.DriverQueue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
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
 * The device side alone: pop a batch of available chains, walk and bounds-check their descriptors,
 * push them to the used ring, publish used->idx once, take the notification decision.
 *
 * <p>The driver fills the ring once with 64 chains and writes every slot of the available ring with
 * one of them; each invocation then only moves avail->idx forward by the batch (one store), so the
 * score is the device's work. The "messages" counter is chains served per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"}) // Agrona 2 uses the JDK's internal Unsafe
public class DeviceSideBenchmark {

    static final int QUEUE_SIZE = 256;
    static final int CHAINS = 64;
    private static final VarHandle ORDERED_SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Descriptors per chain: 1 (a single readable buffer) or 3 (header, data, status like a block request). */
    @Param({"1", "3"})
    int descriptors;

    /** Chains per pop and per used->idx publication. */
    @Param({"1", "16", "64"})
    int batch;

    private LoopbackQueue queue;
    private DeviceQueue device;
    private MemorySegment availRing;
    private DescriptorChain[] out;
    private int availIdx;

    @Setup(Level.Trial)
    public void fillRing() throws Exception {
        long features = VirtioFeatures.of(VirtioFeatures.RING_EVENT_IDX, VirtioFeatures.RING_INDIRECT_DESC);
        queue = LoopbackQueue.create(QUEUE_SIZE, features, 0, 1 << 20);
        DriverQueue driver = queue.driver();
        int[] heads = new int[CHAINS];
        for (int i = 0; i < CHAINS; i++) {
            long base = LoopbackQueue.DATA_GPA + i * 1024L;
            heads[i] = descriptors == 1
                    ? driver.add(new long[] {base}, new int[] {64}, 1, 0, false)
                    : driver.add(new long[] {base, base + 64, base + 64 + 512}, new int[] {16, 512, 1}, 2, 1, false);
            if (heads[i] < 0) {
                throw new IllegalStateException("ring of " + QUEUE_SIZE + " has no room for chain " + i);
            }
        }
        availRing = queue.at(driver.availRingAddress(), availRingSize(QUEUE_SIZE));
        for (int slot = 0; slot < QUEUE_SIZE; slot++) {
            availRing.set(LE_SHORT, availElementOffset(slot), (short) heads[slot % CHAINS]);
        }
        device = queue.device();
        out = new DescriptorChain[batch];
        availIdx = 0;
    }

    @Benchmark
    public long deviceServesABatch(MessageCount count) {
        availIdx = (availIdx + batch) & 0xffff;
        ORDERED_SHORT.setRelease(availRing, (long) AVAIL_IDX, (short) availIdx);
        DeviceQueue q = device;
        int n = q.pop(out, batch);
        long sum = 0;
        for (int i = 0; i < n; i++) {
            DescriptorChain chain = out[i];
            sum += chain.readableLength();
            q.pushUsed(chain, chain.writableLength());
        }
        q.publishUsed();
        if (q.needsNotification()) {
            sum++;
        }
        count.messages += n;
        return sum;
    }

    @TearDown(Level.Iteration)
    public void checkHealthy() {
        if (device.isBroken()) {
            throw new IllegalStateException("the benchmark ring broke: " + device.failure().getMessage());
        }
    }

    @TearDown(Level.Trial)
    public void free() {
        queue.close();
    }
}
