package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AffinityTest {

    @Test
    void aThreadPinnedToOneCpuReadsBackThatCpuAndTheKernelAgrees() throws Throwable {
        onFreshThread(() -> {
            BitSet allowed = Affinity.currentThread();
            assertThat(allowed.isEmpty()).isFalse();
            assertThat(allowed).isEqualTo(kernelView());

            BitSet one = new BitSet();
            one.set(allowed.length() - 1);
            Affinity.setCurrentThread(one);
            assertThat(Affinity.currentThread()).isEqualTo(one);
            assertThat(kernelView()).isEqualTo(one);

            Affinity.setCurrentThread(allowed);
            assertThat(Affinity.currentThread()).isEqualTo(allowed);
        });
    }

    @Test
    void theThreadIdIsTheKernelsTaskId() throws Throwable {
        onFreshThread(() -> {
            int tid = Affinity.threadId();
            assertThat(Path.of("/proc/self/task/" + tid)).exists();
            String status = Files.readString(Path.of("/proc/thread-self/status"));
            assertThat(status).containsPattern("(?m)^Pid:\\s+" + tid + "$");
        });
    }

    @Test
    void cpusThatDoNotExistAreRefusedByTheKernel() throws Throwable {
        onFreshThread(() -> {
            BitSet missing = new BitSet();
            missing.set(Cpus.online().length() + 4000);
            assertThatThrownBy(() -> Affinity.setCurrentThread(missing))
                    .isInstanceOfSatisfying(LinuxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageStartingWith("sched_setaffinity(tid=");
            assertThatThrownBy(() -> Affinity.setCurrentThread(new BitSet()))
                    .isInstanceOf(IllegalArgumentException.class);
        });
    }

    /** The calling thread's CPUs as /proc reports them. */
    private static BitSet kernelView() throws Exception {
        String status = Files.readString(Path.of("/proc/thread-self/status"));
        String list = status.lines()
                .filter(line -> line.startsWith("Cpus_allowed_list:"))
                .findFirst().orElseThrow()
                .substring("Cpus_allowed_list:".length());
        return Cpus.parseList(list);
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs on a platform thread of its own, so that pinning it cannot affect other tests. */
    private static void onFreshThread(Scenario scenario) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                scenario.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.join();
        if (failure.get() != null) {
            throw failure.get();
        }
    }
}
