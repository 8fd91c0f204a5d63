package dev.jvirtio.e2e;

import dev.jvirtio.guest.GuestFile;
import dev.jvirtio.guest.GuestMachine;
import dev.jvirtio.guest.GuestRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Host programs put into guests, and running guests side by side. */
final class GuestTools {

    private static final Path ETHTOOL = Path.of("/usr/sbin/ethtool");
    /** ethtool's dynamic libraries and loader on Debian amd64 ({@code ldd /usr/sbin/ethtool}). */
    private static final List<String> ETHTOOL_LIBRARIES = List.of(
            "/lib/x86_64-linux-gnu/libmnl.so.0", "/lib/x86_64-linux-gnu/libm.so.6",
            "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2");

    private GuestTools() {
    }

    /** Debian's ethtool with the libraries it loads, at the same paths in the guest. */
    static List<GuestFile> ethtool() throws Exception {
        GuestRequirements.program("ethtool", "ethtool");
        List<GuestFile> files = new ArrayList<>();
        files.add(GuestFile.copyOf("/usr/sbin/ethtool", ETHTOOL));
        for (String library : ETHTOOL_LIBRARIES) {
            Path host = Path.of(library);
            if (!Files.exists(host)) {
                throw new AssertionError("ethtool needs " + library + ", which this host lacks (install the Debian package ethtool)");
            }
            files.add(new GuestFile(library, Files.readAllBytes(host), 0755));
        }
        return files;
    }

    /** Boots {@code machine} on a thread of its own. */
    static CompletableFuture<GuestRun> runAsync(GuestMachine machine) {
        CompletableFuture<GuestRun> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("guest-run").start(() -> {
            try {
                result.complete(machine.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Ends a helper process that may still run, and waits for it. */
    static void stop(Process process) throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (java.io.IOException ignored) {
            // it has gone already
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
