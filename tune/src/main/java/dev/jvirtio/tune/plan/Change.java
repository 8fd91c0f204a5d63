package dev.jvirtio.tune.plan;

import java.util.List;

/**
 * One change of a {@link Plan}: what it changes (a file, a kernel setting, a domain), from what to
 * what, and which practice's finding it fixes. Changes are values: making them is the business of
 * {@code dev.jvirtio.tune.apply}.
 */
public sealed interface Change permits FileWrite, SettingWrite, KernelCmdline, DomainEdit, LiveVcpuPin {

    /** The practice ID whose finding the change fixes, such as {@code MEM-SWAP}. */
    String rule();

    /**
     * The subject of that finding: {@code "host"} for the machine, else the guest's name; with
     * {@link #rule()} it names the finding an audit reports.
     */
    String subject();

    /** What is changed: a path on the machine, or a domain. */
    String target();

    /** A short name of the kind of change, such as {@code sysctl.d drop-in}. */
    String kind();

    /** The state before, on one line ({@code "(none)"} when there was nothing). */
    String from();

    /** The state after, on one line. */
    String to();

    /**
     * For changes to multi-line content, the difference as unified-diff lines ({@code " "},
     * {@code "-"} or {@code "+"} first, {@code "@@"} between hunks); empty otherwise.
     */
    default List<String> diff() {
        return List.of();
    }

    /** False for a suggestion that only takes effect at the next boot and is never applied. */
    default boolean applicable() {
        return true;
    }
}
