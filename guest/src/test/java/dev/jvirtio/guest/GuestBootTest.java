package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Real boots of the test guest under QEMU: what its script reports reaches the host. */
class GuestBootTest {
    @Test
    void guestReportsItsKernelItsCpusAndItsModules(TestInfo test) throws Exception {
        GuestKernel kernel = GuestPrerequisites.kernel();
        GuestPrerequisites.program("qemu-system-x86_64", "qemu-system-x86");
        int cpus = 2;
        Path image = Initramfs.build(kernel, """
                mark uname "$(uname -r)"
                mark cpus "$(nproc)"
                mark modules "$(cut -d ' ' -f 1 /proc/modules | sort | tr '\\n' ' ')"
                """, GuestPrerequisites.IMAGES);

        GuestRun run = GuestMachine.builder(kernel, image)
                .cpus(cpus)
                .timeout(Duration.ofSeconds(45))
                .consoleLog(GuestPrerequisites.LOGS.resolve(test.getTestMethod().orElseThrow().getName() + ".log"))
                .build()
                .run();

        assertThat(run.succeeded()).as(run.describe()).isTrue();
        assertThat(run.marker("uname")).as(run.describe()).contains(kernel.version());
        assertThat(run.marker("cpus")).as(run.describe()).contains(Integer.toString(cpus));
        assertThat(run.markers("module-failed")).as(run.describe()).isEmpty();
        List<String> loaded = Arrays.asList(run.marker("modules").orElseThrow().split(" "));
        assertThat(loaded).containsExactlyInAnyOrderElementsOf(kernel.moduleNames());
    }

    @Test
    void theScriptsExitStatusReachesTheHost(TestInfo test) throws Exception {
        GuestKernel kernel = GuestPrerequisites.kernel();
        GuestPrerequisites.program("qemu-system-x86_64", "qemu-system-x86");
        int status = 7;
        Path image = Initramfs.build(kernel, "mark before-exit yes\nexit " + status + "\nmark after-exit yes\n",
                GuestPrerequisites.IMAGES);

        GuestRun run = GuestMachine.builder(kernel, image)
                .timeout(Duration.ofSeconds(45))
                .consoleLog(GuestPrerequisites.LOGS.resolve(test.getTestMethod().orElseThrow().getName() + ".log"))
                .build()
                .run();

        assertThat(run.timedOut()).as(run.describe()).isFalse();
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.done()).as(run.describe()).isEqualTo(OptionalInt.of(status));
        assertThat(run.marker("before-exit")).contains("yes");
        assertThat(run.marker("after-exit")).isEmpty();
        assertThat(run.succeeded()).isFalse();
    }

    @Test
    void aGuestThatNeverFinishesIsKilledAtItsTimeout(TestInfo test) throws Exception {
        GuestKernel kernel = GuestPrerequisites.kernel();
        GuestPrerequisites.program("qemu-system-x86_64", "qemu-system-x86");
        Path image = Initramfs.build(kernel, "while true; do sleep 1; done\n", GuestPrerequisites.IMAGES);
        Duration timeout = Duration.ofSeconds(3);

        GuestRun run = GuestMachine.builder(kernel, image)
                .timeout(timeout)
                .consoleLog(GuestPrerequisites.LOGS.resolve(test.getTestMethod().orElseThrow().getName() + ".log"))
                .build()
                .run();

        assertThat(run.timedOut()).as(run.describe()).isTrue();
        assertThat(run.done()).isEmpty();
        assertThat(run.succeeded()).isFalse();
        assertThat(run.elapsed()).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusSeconds(20));
    }
}
