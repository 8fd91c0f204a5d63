package dev.jvirtio.tune.rule;

/**
 * How much a failing finding costs: {@link #INFO} is worth knowing, {@link #WARN} costs
 * performance, {@link #RISK} can lose data or weaken security.
 */
public enum Severity {
    INFO,
    WARN,
    RISK
}
