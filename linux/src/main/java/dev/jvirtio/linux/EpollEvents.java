package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * A reusable array of {@code struct epoll_event} that {@link Epoll#wait(EpollEvents, int)} fills,
 * so that an event loop allocates nothing per wait.
 *
 * <pre>
 * struct epoll_event, x86-64 (packed, 12 bytes)   AArch64 (16 bytes)
 *   0  uint32_t events                              0  uint32_t events
 *   4  uint64_t data                                8  uint64_t data
 * </pre>
 *
 * <p>Not thread-safe: one event loop thread owns it.
 */
public final class EpollEvents {

    static final StructLayout LAYOUT = Libc.ARCH == Libc.Arch.X86_64
            ? MemoryLayout.structLayout(JAVA_INT.withName("events"), JAVA_LONG_UNALIGNED.withName("data"))
            : MemoryLayout.structLayout(JAVA_INT.withName("events"), MemoryLayout.paddingLayout(4),
                    JAVA_LONG.withName("data"));

    private static final long EVENTS_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    private static final long DATA_OFFSET = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("data"));

    private final MemorySegment array;
    private final int capacity;

    /**
     * An array of {@code capacity} events in memory freed when it becomes unreachable.
     *
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public EpollEvents(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("epoll event capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.array = Arena.ofAuto().allocate(LAYOUT.byteSize() * capacity, 8);
    }

    /** How many events one wait can report. */
    public int capacity() {
        return capacity;
    }

    /** The event bits ({@link Epoll#IN}, {@link Epoll#HUP}...) of ready descriptor {@code index}. */
    public int events(int index) {
        return array.get(JAVA_INT, offset(index) + EVENTS_OFFSET);
    }

    /** The data registered with ready descriptor {@code index}. */
    public long data(int index) {
        return array.get(JAVA_LONG_UNALIGNED, offset(index) + DATA_OFFSET);
    }

    MemorySegment segment() {
        return array;
    }

    /** Writes one event into {@code event}, a segment of {@link #LAYOUT}. */
    static void write(MemorySegment event, int events, long data) {
        event.set(JAVA_INT, EVENTS_OFFSET, events);
        event.set(JAVA_LONG_UNALIGNED, DATA_OFFSET, data);
    }

    private long offset(int index) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("epoll event index " + index + " outside 0.." + (capacity - 1));
        }
        return index * LAYOUT.byteSize();
    }
}
