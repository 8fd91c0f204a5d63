package dev.jvirtio.cli.bench;

import java.util.Locale;

/**
 * What a benchmark asks of the device: the access pattern (with the share of reads for a mix),
 * the request size, and how many requests each queue keeps in flight.
 *
 * @param pattern     the access pattern
 * @param readPercent share of reads in percent (100 for read patterns, 0 for write patterns)
 * @param blockSize   bytes per request, a multiple of 512
 * @param queueDepth  requests in flight per queue
 * @param queues      queues driven at once, one thread each
 */
record Workload(AccessPattern pattern, int readPercent, int blockSize, int queueDepth, int queues) {

    Workload {
        if (readPercent < 0 || readPercent > 100) {
            throw new IllegalArgumentException("read share " + readPercent + "% must be between 0 and 100");
        }
        if (blockSize < 512 || blockSize % 512 != 0) {
            throw new IllegalArgumentException("block size " + blockSize + " must be a positive multiple of 512");
        }
        if (queueDepth < 1 || queueDepth > 1024) {
            throw new IllegalArgumentException("queue depth " + queueDepth + " must be between 1 and 1024");
        }
        if (queues < 1 || queues > 64) {
            throw new IllegalArgumentException("queues " + queues + " must be between 1 and 64");
        }
    }

    /**
     * Parses an access pattern as {@code --rw} takes it: {@code randread}, {@code randwrite},
     * {@code read}, {@code write}, {@code randrw} or {@code randrw:READ%}.
     */
    static Workload of(String rw, int blockSize, int queueDepth, int queues) {
        String[] parts = rw.trim().toLowerCase(Locale.ROOT).split(":", 2);
        AccessPattern pattern;
        try {
            pattern = AccessPattern.valueOf(parts[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + rw + "' is not an access pattern; use randread, randwrite, read, write"
                    + " or randrw[:READ%]");
        }
        int read = pattern.defaultReadPercent();
        if (parts.length == 2) {
            if (pattern != AccessPattern.RANDRW) {
                throw new IllegalArgumentException("only randrw takes a read share, as in randrw:70; got '" + rw + "'");
            }
            try {
                read = Integer.parseInt(parts[1].endsWith("%") ? parts[1].substring(0, parts[1].length() - 1) : parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[1] + "' in '" + rw + "' is not a read share in percent");
            }
        }
        return new Workload(pattern, read, blockSize, queueDepth, queues);
    }

    /**
     * Parses the compact form {@code RW/BS/QD[/QUEUES]}, such as {@code randread/4k/16} or
     * {@code randrw:70/4k/64/2}.
     */
    static Workload parse(String spec) {
        String[] parts = spec.trim().split("/");
        if (parts.length < 3 || parts.length > 4) {
            throw new IllegalArgumentException("workload '" + spec + "' must read RW/BS/QD[/QUEUES], as in randread/4k/16");
        }
        long bs = ByteSize.parse(parts[1]);
        if (bs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("block size " + parts[1] + " in '" + spec + "' is too large");
        }
        try {
            int qd = Integer.parseInt(parts[2]);
            int queues = parts.length == 4 ? Integer.parseInt(parts[3]) : 1;
            return of(parts[0], (int) bs, qd, queues);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("queue depth and queues in '" + spec + "' must be whole numbers");
        }
    }

    /** The pattern as {@code --rw} writes it. */
    String rw() {
        return pattern == AccessPattern.RANDRW && readPercent != pattern.defaultReadPercent()
                ? pattern.label() + ":" + readPercent : pattern.label();
    }

    /** The compact form {@link #parse} reads. */
    String spec() {
        return rw() + "/" + ByteSize.format(blockSize) + "/" + queueDepth + (queues > 1 ? "/" + queues : "");
    }

    /** A phrase for tables: "randread 4k QD 16 x 2 queues". */
    String describe() {
        return rw() + " " + ByteSize.format(blockSize) + " QD " + queueDepth + (queues > 1 ? " x " + queues + " queues" : "");
    }
}
