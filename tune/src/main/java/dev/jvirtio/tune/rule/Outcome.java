package dev.jvirtio.tune.rule;

/**
 * What a rule concluded about one subject. {@link #NOT_APPLICABLE} means the practice does not
 * apply to that subject (a NUMA rule on a one-node host) or the facts it needs were absent; the
 * finding's evidence says which.
 */
public enum Outcome {
    FAIL,
    PASS,
    NOT_APPLICABLE
}
