package dev.jvirtio.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A QEMU x86-64 machine that boots a {@link GuestKernel} with an {@link Initramfs} and some virtio
 * devices, runs the initramfs's script and stops. Built with {@link #builder}; immutable, and
 * each {@link #run()} is a fresh boot.
 *
 * <p>The machine is a q35 with {@code -cpu max}, no default devices, the serial console on
 * QEMU's standard output, and its RAM in a shared memfd (vhost-user back-ends map it). Disks and
 * NICs are added in the order given, which is their PCI slot order: the first disk is normally
 * {@code /dev/vda} in the guest. The accelerator is {@link Accelerator#detect()}'s unless set.
 */
public final class GuestMachine {
    /** Guest RAM when not set. */
    public static final int DEFAULT_MEMORY_MIB = 512;
    /** Guest vCPUs when not set. */
    public static final int DEFAULT_CPUS = 1;
    /** How long a run may take when not set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
    /** Console text kept per run when not set. */
    public static final int DEFAULT_CONSOLE_LIMIT = 4 * 1024 * 1024;
    /** The kernel command line every guest gets; extras are appended. */
    public static final String BASE_KERNEL_ARGUMENTS = "console=ttyS0 loglevel=4 panic=-1 rdinit=/init";

    private static final int MAX_MARKERS = 10_000;
    private static final int QEMU_ERRORS_LIMIT = 64 * 1024;
    /** x86's COMMAND_LINE_SIZE, including the terminating NUL. */
    private static final int KERNEL_COMMAND_LINE_LIMIT = 2047;
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./=:,@%+-]+");

    private final GuestKernel kernel;
    private final Path initramfs;
    private final int memoryMiB;
    private final int cpus;
    private final String kernelArguments;
    private final List<GuestDevice> devices;
    private final Duration timeout;
    private final Optional<Path> consoleLog;
    private final Accelerator accelerator;
    private final String qemuBinary;
    private final List<String> commandPrefix;
    private final List<String> extraQemuArguments;
    private final int consoleLimit;

    private GuestMachine(Builder builder) {
        this.kernel = builder.kernel;
        this.initramfs = builder.initramfs;
        this.memoryMiB = builder.memoryMiB;
        this.cpus = builder.cpus;
        this.kernelArguments = builder.kernelArguments.toString();
        this.devices = List.copyOf(builder.devices);
        this.timeout = builder.timeout;
        this.consoleLog = Optional.ofNullable(builder.consoleLog);
        this.accelerator = builder.accelerator != null ? builder.accelerator : Accelerator.detect();
        this.qemuBinary = builder.qemuBinary;
        this.commandPrefix = List.copyOf(builder.commandPrefix);
        this.extraQemuArguments = List.copyOf(builder.extraQemuArguments);
        this.consoleLimit = builder.consoleLimit;
    }

    /**
     * A builder for a machine that boots {@code kernel} with the image {@code initramfs} (as
     * {@link Initramfs#build} returns it).
     */
    public static Builder builder(GuestKernel kernel, Path initramfs) {
        return new Builder(kernel, initramfs);
    }

    /** The full command: the prefix, if any, then {@code qemu-system-x86_64} and its arguments. */
    public List<String> commandLine() {
        List<String> command = new ArrayList<>(commandPrefix);
        command.add(qemuBinary);
        command.addAll(List.of(
                "-machine", "q35",
                "-accel", accelerator.qemuName(),
                "-cpu", "max",
                "-m", Integer.toString(memoryMiB),
                "-smp", Integer.toString(cpus),
                "-nodefaults",
                "-display", "none",
                "-serial", "stdio",
                "-no-reboot",
                "-kernel", kernel.vmlinuz().toString(),
                "-initrd", initramfs.toString(),
                "-append", kernelArguments,
                "-object", "memory-backend-memfd,id=mem,size=" + memoryMiB + "M,share=on",
                "-numa", "node,memdev=mem"));
        for (int i = 0; i < devices.size(); i++) {
            command.addAll(devices.get(i).qemuArguments(i));
        }
        command.addAll(extraQemuArguments);
        return List.copyOf(command);
    }

    /** {@link #commandLine()} as one line a POSIX shell would run, words quoted where needed. */
    public String shellCommand() {
        return String.join(" ", commandLine().stream().map(GuestMachine::shellQuote).toList());
    }

    static String shellQuote(String word) {
        if (SHELL_SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** The kernel command line, {@link #BASE_KERNEL_ARGUMENTS} and any extras. */
    public String kernelArguments() {
        return kernelArguments;
    }

    /** The accelerator the machine runs with. */
    public Accelerator accelerator() {
        return accelerator;
    }

    /** How long a run may take before QEMU is killed. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Boots the machine and waits until QEMU exits or the time-out passes, in which case QEMU is
     * killed ({@code SIGKILL}) and the run says {@link GuestRun#timedOut()}. The console is read
     * as it arrives, copied to the console log when one is set (its folder is created), and kept
     * within the console limit.
     *
     * @throws IOException when QEMU cannot be started (the message names the missing package) or
     *     the console log cannot be written
     * @throws InterruptedException when the calling thread is interrupted; QEMU is killed first
     */
    public GuestRun run() throws IOException, InterruptedException {
        OutputStream log = null;
        if (consoleLog.isPresent()) {
            Path parent = consoleLog.get().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            log = Files.newOutputStream(consoleLog.get());
        }
        try (OutputStream closeLog = log) {
            ConsoleRecorder console = new ConsoleRecorder(consoleLimit, MAX_MARKERS, closeLog);
            ConsoleRecorder errors = new ConsoleRecorder(QEMU_ERRORS_LIMIT, 1, null);
            return run(console, errors);
        }
    }

    private GuestRun run(ConsoleRecorder console, ConsoleRecorder errors) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(commandLine())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("cannot start " + qemuBinary + " (install the Debian package qemu-system-x86): "
                    + e.getMessage(), e);
        }
        boolean timedOut = false;
        Thread consoleReader = pump(process.getInputStream(), console, "guest-console");
        Thread errorReader = pump(process.getErrorStream(), errors, "guest-qemu-stderr");
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                process.destroyForcibly();
                process.waitFor();
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        finishReading(consoleReader, process.getInputStream());
        finishReading(errorReader, process.getErrorStream());
        console.finish();
        errors.finish();
        if (console.logFailure() != null) {
            throw new IOException("cannot write the console log " + consoleLog.orElseThrow() + ": "
                    + console.logFailure().getMessage(), console.logFailure());
        }
        return new GuestRun(process.exitValue(), timedOut, elapsed, console.text(), console.totalBytes(),
                errors.text(), console.markers(), console.droppedMarkers());
    }

    private static Thread pump(InputStream in, ConsoleRecorder recorder, String name) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    recorder.accept(buffer, 0, n);
                }
            } catch (IOException e) {
                // The stream was closed because QEMU is gone: what arrived is kept.
            }
        });
    }

    /**
     * Waits for a reader to drain a dead process's pipe. Another process that inherited the pipe
     * could keep it open: after a bounded wait the pipe is closed under the reader.
     */
    private static void finishReading(Thread reader, InputStream in) throws InterruptedException {
        if (!reader.join(Duration.ofSeconds(10))) {
            try {
                in.close();
            } catch (IOException e) {
                // Closing only unblocks the reader; nothing to keep.
            }
            reader.join(Duration.ofSeconds(10));
        }
    }

    @Override
    public String toString() {
        return "GuestMachine[" + shellCommand() + "]";
    }

    /** Collects a machine's settings. Not thread-safe. */
    public static final class Builder {
        private final GuestKernel kernel;
        private final Path initramfs;
        private int memoryMiB = DEFAULT_MEMORY_MIB;
        private int cpus = DEFAULT_CPUS;
        private final StringBuilder kernelArguments = new StringBuilder(BASE_KERNEL_ARGUMENTS);
        private final List<GuestDevice> devices = new ArrayList<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Path consoleLog;
        private Accelerator accelerator;
        private String qemuBinary = "qemu-system-x86_64";
        private final List<String> commandPrefix = new ArrayList<>();
        private final List<String> extraQemuArguments = new ArrayList<>();
        private int consoleLimit = DEFAULT_CONSOLE_LIMIT;

        private Builder(GuestKernel kernel, Path initramfs) {
            this.kernel = Objects.requireNonNull(kernel, "kernel");
            this.initramfs = Objects.requireNonNull(initramfs, "initramfs").toAbsolutePath();
        }

        /**
         * Guest RAM in MiB, 64 to 65536; default {@value GuestMachine#DEFAULT_MEMORY_MIB}.
         */
        public Builder memoryMiB(int memoryMiB) {
            if (memoryMiB < 64 || memoryMiB > 65536) {
                throw new IllegalArgumentException("guest memory " + memoryMiB + " MiB is not between 64 and 65536");
            }
            this.memoryMiB = memoryMiB;
            return this;
        }

        /** vCPUs, 1 to 64; default {@value GuestMachine#DEFAULT_CPUS}. */
        public Builder cpus(int cpus) {
            if (cpus < 1 || cpus > 64) {
                throw new IllegalArgumentException("guest vCPU count " + cpus + " is not between 1 and 64");
            }
            this.cpus = cpus;
            return this;
        }

        /** Appends words to the kernel command line, such as {@code "virtio_blk.poll_queues=1"}. */
        public Builder appendKernelArguments(String arguments) {
            if (arguments.indexOf('\n') >= 0 || arguments.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("kernel arguments must be one line: '" + arguments + "'");
            }
            if (kernelArguments.length() + 1 + arguments.length() > KERNEL_COMMAND_LINE_LIMIT) {
                throw new IllegalArgumentException("the kernel command line would exceed "
                        + KERNEL_COMMAND_LINE_LIMIT + " characters");
            }
            kernelArguments.append(' ').append(arguments.strip());
            return this;
        }

        /**
         * Adds a vhost-user-blk disk whose back-end listens on {@code socket}; the back-end must
         * be listening when the machine runs. Its serial number is the back-end's answer to
         * {@code VIRTIO_BLK_T_GET_ID}: QEMU has no property for it.
         *
         * @param queues request queues, 1 to 1024
         */
        public Builder vhostUserBlk(Path socket, int queues) {
            devices.add(new GuestDevice.VhostUserBlk(socket.toAbsolutePath(), queues));
            return this;
        }

        /** Adds QEMU's own virtio-blk over a raw file, one queue and no serial. */
        public Builder virtioBlkFile(Path file) {
            return virtioBlkFile(file, 1, null);
        }

        /**
         * Adds QEMU's own virtio-blk over a raw file, to compare with a vhost-user disk.
         *
         * @param queues request queues, 1 to 1024
         * @param serial the disk's serial number (1 to 20 letters, digits or {@code - _ .}), or
         *     null for none
         */
        public Builder virtioBlkFile(Path file, int queues, String serial) {
            devices.add(new GuestDevice.FileBlk(file.toAbsolutePath(), queues, Optional.ofNullable(serial)));
            return this;
        }

        /**
         * Adds a virtio-net NIC whose back-end is a vhost-user server listening on {@code socket}.
         *
         * @param queues queue pairs, 1 to 1024; more than one turns on multiqueue
         * @param mac a unicast MAC address such as {@code 52:54:00:12:34:56}
         */
        public Builder vhostUserNet(Path socket, int queues, String mac) {
            devices.add(new GuestDevice.VhostUserNet(socket.toAbsolutePath(), queues, mac));
            return this;
        }

        /**
         * Adds a virtio-net NIC on the existing tap interface {@code interfaceName}, served by
         * QEMU. The tap must exist in the network namespace QEMU runs in (see
         * {@link #commandPrefix}).
         *
         * @param mac a unicast MAC address such as {@code 52:54:00:12:34:56}
         */
        public Builder tapNic(String interfaceName, String mac) {
            devices.add(new GuestDevice.TapNic(interfaceName, mac));
            return this;
        }

        /** How long a run may take before QEMU is killed; default 2 minutes. */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("guest time-out " + timeout + " is not positive");
            }
            this.timeout = timeout;
            return this;
        }

        /** A file that receives the raw console as it arrives; replaced on each run. */
        public Builder consoleLog(Path file) {
            this.consoleLog = file;
            return this;
        }

        /** Forces an accelerator instead of {@link Accelerator#detect()}'s choice. */
        public Builder accelerator(Accelerator accelerator) {
            this.accelerator = Objects.requireNonNull(accelerator, "accelerator");
            return this;
        }

        /** The QEMU program, a name looked up on the PATH or a path; default {@code qemu-system-x86_64}. */
        public Builder qemuBinary(String qemuBinary) {
            if (qemuBinary.isBlank()) {
                throw new IllegalArgumentException("the QEMU program name is blank");
            }
            this.qemuBinary = qemuBinary;
            return this;
        }

        /**
         * Words run before QEMU, which must exec it in place, such as
         * {@code ip netns exec NAME} to start the machine in a network namespace.
         */
        public Builder commandPrefix(List<String> words) {
            commandPrefix.clear();
            commandPrefix.addAll(words);
            return this;
        }

        /** More QEMU arguments, appended after the devices. */
        public Builder extraQemuArguments(List<String> arguments) {
            extraQemuArguments.addAll(arguments);
            return this;
        }

        /** Console bytes kept per run (the first and last halves); default 4 MiB. */
        public Builder consoleLimit(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("console limit " + bytes + " bytes is below 1024");
            }
            this.consoleLimit = bytes;
            return this;
        }

        /**
         * The machine.
         *
         * @throws IllegalArgumentException when the initramfs file does not exist
         */
        public GuestMachine build() {
            if (!Files.isRegularFile(initramfs)) {
                throw new IllegalArgumentException("initramfs " + initramfs + " does not exist");
            }
            return new GuestMachine(this);
        }
    }
}
