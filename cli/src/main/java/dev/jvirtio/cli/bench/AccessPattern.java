package dev.jvirtio.cli.bench;

import java.util.Locale;

/** The order and direction of a benchmark's requests, named as fio names them. */
enum AccessPattern {
    READ(false, 100),
    WRITE(false, 0),
    RANDREAD(true, 100),
    RANDWRITE(true, 0),
    RANDRW(true, 50);

    private final boolean random;
    private final int defaultReadPercent;

    AccessPattern(boolean random, int defaultReadPercent) {
        this.random = random;
        this.defaultReadPercent = defaultReadPercent;
    }

    /** Random offsets (otherwise sequential). */
    boolean random() {
        return random;
    }

    int defaultReadPercent() {
        return defaultReadPercent;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
