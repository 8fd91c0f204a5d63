package dev.jvirtio.cli.bench;

import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.UnixListeners;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A vhost-user-blk back-end the benchmark started as a process of its own: jvirtio's
 * ({@code jvirtio serve blk} in a new JVM) or qemu-storage-daemon. Its output goes to a log file
 * whose last line explains a failed start; its CPU time comes from {@code /proc/PID/stat}.
 */
final class BackendProcess implements AutoCloseable {

    /** The qemu-storage-daemon binary (Debian package qemu-system-common). */
    static final Path QSD = Path.of("/usr/bin/qemu-storage-daemon");
    /** Kernel clock ticks per second for {@code /proc} times (USER_HZ, 100 on Linux). */
    private static final double CLOCK_TICKS = 100.0;
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long POLL_MILLIS = 20;

    private final String name;
    private final Process process;
    private final Path directory;
    private final Path socket;
    private final Path log;

    private BackendProcess(String name, Process process, Path directory, Path socket, Path log) {
        this.name = name;
        this.process = process;
        this.directory = directory;
        this.socket = socket;
        this.log = log;
    }

    /**
     * Starts {@code target}'s back-end serving {@code disk} with {@code queues} queues and waits
     * until its socket appears.
     *
     * @param jvmOptions extra options for a jvirtio back-end's JVM (such as a JFR recording)
     * @throws BenchException if the program is missing, exits early, or creates no socket within a minute
     */
    static BackendProcess start(Target target, Disk disk, int queues, List<String> jvmOptions) throws BenchException {
        if (!target.started()) {
            throw new IllegalArgumentException(target.label() + " is not started by the benchmark");
        }
        if (target.kind() == Target.Kind.QSD && !Files.isExecutable(QSD)) {
            throw new BenchException(QSD + " is missing; install the Debian package qemu-system-common");
        }
        if (!disk.isNull() && !Files.isRegularFile(disk.image())) {
            throw new BenchException("the image " + disk.image() + " does not exist; create it with"
                    + " qemu-img create -f raw " + disk.image() + " 1G");
        }
        Path directory;
        try {
            directory = Files.createTempDirectory("jvirtio-bench-");
        } catch (IOException e) {
            throw new BenchException("cannot create a temporary directory for the back-end's socket: " + e.getMessage(), e);
        }
        Path socket = directory.resolve("blk.sock");
        Path log = directory.resolve("backend.log");
        List<String> command = target.kind() == Target.Kind.QSD ? qsdCommand(disk, queues, socket)
                : jvirtioCommand(disk, queues, socket, jvmOptions);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        } catch (IOException e) {
            deleteTree(directory);
            throw new BenchException("cannot start the " + target.label() + " back-end (" + command.get(0) + "): "
                    + e.getMessage(), e);
        }
        BackendProcess backend = new BackendProcess(target.label(), process, directory, socket, log);
        try {
            backend.awaitSocket();
        } catch (BenchException e) {
            backend.close();
            throw e;
        }
        return backend;
    }

    /** The command line that starts qemu-storage-daemon with blockdev options matching {@code disk}. */
    static List<String> qsdCommand(Disk disk, int queues, Path socket) {
        List<String> command = new ArrayList<>(List.of(QSD.toString()));
        boolean direct = disk.cache().equals("none") || disk.cache().equals("directsync");
        boolean writethrough = disk.cache().equals("writethrough") || disk.cache().equals("directsync");
        if (disk.isNull()) {
            command.addAll(List.of("--blockdev", "driver=null-co,node-name=d,size=" + disk.nullSize()));
        } else {
            command.addAll(List.of("--blockdev", "driver=file,node-name=f,filename=" + escape(disk.image().toString())
                    + (direct ? ",cache.direct=on" : "") + (disk.cache().equals("unsafe") ? ",cache.no-flush=on" : ""),
                    "--blockdev", "driver=raw,node-name=d,file=f"));
        }
        command.addAll(List.of("--export", "type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path="
                + escape(socket.toString()) + ",writable=on,num-queues=" + queues + (writethrough ? ",writethrough=on" : "")));
        return command;
    }

    /** The command line that starts {@code jvirtio serve blk} in a JVM with this JVM's class path. */
    static List<String> jvirtioCommand(Disk disk, int queues, Path socket, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The options bin/jvirtio starts every jvirtio JVM with.
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.jvirtio.cli.Main", "serve", "blk",
                "--socket", socket.toString()));
        if (disk.isNull()) {
            command.addAll(List.of("--null", Long.toString(disk.nullSize())));
        } else {
            command.addAll(List.of("--image", disk.image().toString()));
        }
        command.addAll(List.of("--cache", disk.cache(), "--queues", Integer.toString(queues)));
        return command;
    }

    /** QEMU option values escape a comma by doubling it. */
    private static String escape(String value) {
        return value.replace(",", ",,");
    }

    private void awaitSocket() throws BenchException {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (!isListening(socket)) {
            if (!process.isAlive()) {
                throw new BenchException("the " + name + " back-end exited with status " + process.exitValue()
                        + " before creating its socket: " + lastLogLine());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new BenchException("the " + name + " back-end created no socket at " + socket
                        + " within 60 s: " + lastLogLine());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted while waiting for the " + name + " back-end to start", e);
            }
        }
    }

    /** Whether the back-end listens: its socket file exists from bind(), before listen(). */
    private static boolean isListening(Path path) {
        try {
            return UnixListeners.isListening(path);
        } catch (LinuxException e) {
            return false;
        }
    }

    /** The last non-blank line the back-end printed, or a note that it printed nothing. */
    String lastLogLine() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return "its log " + log + " is unreadable (" + e.getMessage() + ")";
        }
        return "it printed nothing";
    }

    /** The socket the back-end listens on. */
    Path socket() {
        return socket;
    }

    /** Whether the process is still running. */
    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** The process's user plus system CPU time so far, in seconds, from {@code /proc/PID/stat}. */
    double cpuSeconds() throws BenchException {
        return cpuSeconds(process.pid());
    }

    /** User plus system CPU seconds of process {@code pid} (its threads included, children not). */
    static double cpuSeconds(long pid) throws BenchException {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            throw new BenchException("cannot read the CPU time of process " + pid + ": " + e.getMessage(), e);
        }
        // proc(5): fields after the parenthesised command name; utime and stime are fields 14 and 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS;
    }

    /** Stops the back-end (SIGTERM, then SIGKILL after 10 s) and removes its socket directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(directory);
    }

    private static void deleteTree(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
