package dev.jvirtio.tune.guest;

import java.util.Objects;

/**
 * A guest's memory placement policy.
 *
 * @param mode    {@code strict}, {@code preferred}, {@code interleave}, {@code restrictive}, or ""
 *                when not configured
 * @param nodeset the host NUMA nodes, "" when not configured
 */
public record NumaTune(String mode, String nodeset) {
    /** No policy configured. */
    public static final NumaTune NONE = new NumaTune("", "");

    public NumaTune {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(nodeset, "nodeset");
    }
}
