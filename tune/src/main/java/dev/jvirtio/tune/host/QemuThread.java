package dev.jvirtio.tune.host;

import java.util.Objects;

/**
 * One thread of a QEMU process.
 *
 * @param tid         the thread id
 * @param name        {@code comm}: {@code CPU 0/KVM} for vCPU 0, {@code IO iothread1}, {@code qemu-system-x86}
 * @param cpusAllowed {@code Cpus_allowed_list} from the thread's {@code status}; "" when unreadable
 */
public record QemuThread(int tid, String name, String cpusAllowed) {

    public QemuThread {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cpusAllowed, "cpusAllowed");
    }

    /** The vCPU number when this is a vCPU thread ({@code "CPU 3/KVM"} gives 3), else -1. */
    public int vcpu() {
        if (!name.startsWith("CPU ")) {
            return -1;
        }
        int slash = name.indexOf('/');
        try {
            return Integer.parseInt(name.substring(4, slash < 0 ? name.length() : slash).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
