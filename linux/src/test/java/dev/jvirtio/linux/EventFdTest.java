package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventFdTest {

    @Test
    void signalsAccumulateUntilDrainedAndThenDrainFindsNothing() throws Exception {
        try (EventFd kick = EventFd.create()) {
            int signals = 3;
            for (int i = 0; i < signals; i++) {
                kick.signal();
            }
            assertThat(kick.drain()).isEqualTo(signals);
            assertThat(kick.drain()).isZero();
        }
    }

    @Test
    void aSemaphoreEventFdHandsOutOneSignalPerDrain() throws Exception {
        try (EventFd semaphore = EventFd.create(true, true)) {
            semaphore.add(2);
            assertThat(semaphore.drain()).isEqualTo(1);
            assertThat(semaphore.drain()).isEqualTo(1);
            assertThat(semaphore.drain()).isZero();
        }
    }

    @Test
    void aBlockingDrainWaitsForAnotherThreadsSignal() throws Exception {
        try (EventFd call = EventFd.create(false, false)) {
            CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return call.drain();
                } catch (LinuxException e) {
                    throw new IllegalStateException(e);
                }
            });
            call.signal();
            assertThat(drained.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    @Test
    void aWrappedDuplicateSignalsTheSameCounter() throws Exception {
        try (EventFd original = EventFd.create();
             EventFd peer = EventFd.wrap(original.fd().dup())) {
            peer.signal();
            peer.add(4);
            assertThat(original.drain()).isEqualTo(5);
        }
    }

    @Test
    void theKernelsReservedIncrementsAreRefused() throws Exception {
        try (EventFd event = EventFd.create()) {
            assertThatThrownBy(() -> event.add(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> event.add(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aFileThatIsNotAnEventFdIsReportedOnDrain() throws Exception {
        try (EventFd notAnEventFd = EventFd.wrap(MemFd.create("not-an-eventfd", 3))) {
            assertThatThrownBy(notAnEventFd::drain)
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("read(eventfd=")
                    .hasMessageContaining("not an eventfd");
        }
    }

    @Test
    void aClosedEventFdCannotBeSignalled() throws Exception {
        EventFd event = EventFd.create();
        event.close();
        assertThatThrownBy(event::signal).isInstanceOf(IllegalStateException.class);
    }
}
