package dev.jvirtio.tune.host;

import java.util.BitSet;
import java.util.Optional;

/**
 * An immutable set of CPU numbers, written in the kernel's and libvirt's list syntax:
 * {@code "0-3,8,10-11"}; libvirt's exclusions ({@code "0-7,^3"}) are understood when parsing.
 */
public final class CpuSet {

    /** CPU numbers at or above this are refused, so hostile input cannot allocate much. */
    public static final int MAX_CPU = 1 << 16;

    private static final CpuSet EMPTY = new CpuSet(new BitSet());

    private final BitSet bits;

    private CpuSet(BitSet bits) {
        this.bits = bits;
    }

    /** The empty set. */
    public static CpuSet empty() {
        return EMPTY;
    }

    /** The set holding exactly {@code cpus}. */
    public static CpuSet of(int... cpus) {
        BitSet bits = new BitSet();
        for (int cpu : cpus) {
            checkRange(cpu);
            bits.set(cpu);
        }
        return new CpuSet(bits);
    }

    /**
     * Parses a CPU list such as {@code "0-3,8"}; blank text is the empty set.
     *
     * @throws IllegalArgumentException naming the text when it is not a CPU list
     */
    public static CpuSet parse(String text) {
        BitSet bits = new BitSet();
        BitSet excluded = new BitSet();
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            return EMPTY;
        }
        for (String part : trimmed.split(",")) {
            String item = part.trim();
            boolean exclude = item.startsWith("^");
            if (exclude) {
                item = item.substring(1);
            }
            int dash = item.indexOf('-');
            int first;
            int last;
            try {
                if (dash < 0) {
                    first = Integer.parseInt(item);
                    last = first;
                } else {
                    first = Integer.parseInt(item.substring(0, dash));
                    last = Integer.parseInt(item.substring(dash + 1));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CPU list: '" + text + "'");
            }
            if (first < 0 || last < first || last >= MAX_CPU) {
                throw new IllegalArgumentException("not a CPU list: '" + text + "'");
            }
            (exclude ? excluded : bits).set(first, last + 1);
        }
        bits.andNot(excluded);
        return new CpuSet(bits);
    }

    /** {@link #parse} without the exception: empty when {@code text} is not a CPU list. */
    public static Optional<CpuSet> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The number of CPUs in the set. */
    public int size() {
        return bits.cardinality();
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    public boolean contains(int cpu) {
        return cpu >= 0 && bits.get(cpu);
    }

    /** True when every CPU of {@code other} is in this set. */
    public boolean containsAll(CpuSet other) {
        BitSet rest = (BitSet) other.bits.clone();
        rest.andNot(bits);
        return rest.isEmpty();
    }

    /** True when the sets share a CPU. */
    public boolean intersects(CpuSet other) {
        return bits.intersects(other.bits);
    }

    public CpuSet union(CpuSet other) {
        BitSet union = (BitSet) bits.clone();
        union.or(other.bits);
        return new CpuSet(union);
    }

    public CpuSet intersection(CpuSet other) {
        BitSet common = (BitSet) bits.clone();
        common.and(other.bits);
        return new CpuSet(common);
    }

    /** The CPUs in ascending order. */
    public int[] toArray() {
        return bits.stream().toArray();
    }

    /** The list syntax, with ranges: {@code "0-3,8"}; {@code ""} for the empty set. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        int start = bits.nextSetBit(0);
        while (start >= 0) {
            int end = bits.nextClearBit(start) - 1;
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(start);
            if (end > start) {
                text.append('-').append(end);
            }
            start = bits.nextSetBit(end + 1);
        }
        return text.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CpuSet set && set.bits.equals(bits);
    }

    @Override
    public int hashCode() {
        return bits.hashCode();
    }

    private static void checkRange(int cpu) {
        if (cpu < 0 || cpu >= MAX_CPU) {
            throw new IllegalArgumentException("cpu=" + cpu);
        }
    }
}
