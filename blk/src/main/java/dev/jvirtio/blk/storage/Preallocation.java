package dev.jvirtio.blk.storage;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How much of a new image's space is set aside when it is created (STO-IMAGE), with
 * {@code qemu-img}'s names and meaning.
 */
public enum Preallocation {

    /** Nothing: the file is sparse and grows as the guest writes. */
    OFF("off"),
    /** qcow2 only: every cluster is mapped in the tables, the data area stays sparse. */
    METADATA("metadata"),
    /** Mapped (qcow2) and reserved in the host file system with {@code fallocate}. */
    FALLOC("falloc"),
    /** Mapped (qcow2) and written with zeroes, so the file has no holes. */
    FULL("full");

    private final String qemuName;

    Preallocation(String qemuName) {
        this.qemuName = qemuName;
    }

    /**
     * The mode named as {@code qemu-img} names it, ignoring case.
     *
     * @throws IllegalArgumentException naming the text and the valid names if it is not one
     */
    public static Preallocation parse(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (Preallocation mode : values()) {
            if (mode.qemuName.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown preallocation '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Preallocation::qemuName).collect(Collectors.joining(", ")));
    }

    /** The name {@code qemu-img} uses, such as "falloc". */
    public String qemuName() {
        return qemuName;
    }

    @Override
    public String toString() {
        return qemuName;
    }
}
