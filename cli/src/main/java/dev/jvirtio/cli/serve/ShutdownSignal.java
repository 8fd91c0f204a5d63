package dev.jvirtio.cli.serve;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Waits for SIGINT or SIGTERM so that a server can finish in-flight work, clean up and exit 0
 * instead of the JVM's default exit status for a signal.
 */
final class ShutdownSignal {

    private final CountDownLatch received = new CountDownLatch(1);
    private volatile String name;

    ShutdownSignal() {
        for (String s : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(s), sig -> {
                name = "SIG" + sig.getName();
                received.countDown();
            });
        }
    }

    /** Blocks until a signal arrives; returns its name. */
    String await() throws InterruptedException {
        received.await();
        return name;
    }
}
