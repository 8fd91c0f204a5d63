package dev.jvirtio.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** How QEMU runs the guest's CPUs. */
public enum Accelerator {
    /** Hardware virtualisation through {@code /dev/kvm}. */
    KVM("kvm"),
    /** QEMU's own CPU emulator: slower (a test guest boots in about 5 to 10 s) but works anywhere. */
    TCG("tcg");

    /** The environment variable that forces a choice: {@code kvm} or {@code tcg}. */
    public static final String ENVIRONMENT_VARIABLE = "JVIRTIO_GUEST_ACCEL";

    private final String qemuName;

    Accelerator(String qemuName) {
        this.qemuName = qemuName;
    }

    /** The name {@code -accel} takes. */
    public String qemuName() {
        return qemuName;
    }

    /**
     * The accelerator for this host: the one {@value #ENVIRONMENT_VARIABLE} names if set, else
     * {@link #KVM} when {@code /dev/kvm} is readable and writable and the CPU advertises hardware
     * virtualisation ({@code vmx} or {@code svm} in {@code /proc/cpuinfo}), else {@link #TCG}.
     * The CPU check matters: some hosts expose a {@code /dev/kvm} that cannot run a full guest.
     *
     * @throws IllegalArgumentException when the variable holds something else
     */
    public static Accelerator detect() {
        String forced = System.getenv(ENVIRONMENT_VARIABLE);
        if (forced != null && !forced.isBlank()) {
            return named(forced.strip());
        }
        return detect(Path.of("/dev/kvm"), Path.of("/proc/cpuinfo"));
    }

    /** {@link #detect()} with the device and the cpuinfo file given. */
    static Accelerator detect(Path kvmDevice, Path cpuinfo) {
        if (!Files.isReadable(kvmDevice) || !Files.isWritable(kvmDevice)) {
            return TCG;
        }
        try (var lines = Files.lines(cpuinfo)) {
            boolean virtualisation = lines
                    .filter(line -> line.startsWith("flags"))
                    .anyMatch(line -> line.matches(".*\\s(vmx|svm)(\\s.*)?"));
            return virtualisation ? KVM : TCG;
        } catch (IOException | java.io.UncheckedIOException e) {
            return TCG;
        }
    }

    /**
     * The accelerator QEMU calls {@code name}, ignoring case.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Accelerator named(String name) {
        for (Accelerator accelerator : values()) {
            if (accelerator.qemuName.equals(name.toLowerCase(Locale.ROOT))) {
                return accelerator;
            }
        }
        throw new IllegalArgumentException("unknown accelerator '" + name + "': use kvm or tcg");
    }
}
