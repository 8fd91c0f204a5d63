package dev.jvirtio.vhost.frontend;

import dev.jvirtio.core.driver.SharedBuffer;
import dev.jvirtio.linux.Fd;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.MemFd;
import dev.jvirtio.linux.Mmap;
import dev.jvirtio.vhost.protocol.MemoryRegionDescription;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The "guest memory" a front-end shares with its back-end: one memfd mapped in this process, seen
 * by the device at a guest-physical base, and carved up by a bump allocator for rings and data
 * buffers. Nothing is ever freed before {@link #close()}.
 *
 * <p>Thread-safety: {@link #allocate} is synchronized; the memory itself is shared with the
 * back-end and its users synchronise through the virtqueue protocol.
 */
public final class SharedMemory implements AutoCloseable {

    private final Arena arena;
    private final Fd fd;
    private final MemorySegment mapping;
    private final long guestBase;
    private long next;

    private SharedMemory(Arena arena, Fd fd, MemorySegment mapping, long guestBase) {
        this.arena = arena;
        this.fd = fd;
        this.mapping = mapping;
        this.guestBase = guestBase;
    }

    /**
     * Creates a memfd of {@code size} bytes (rounded up to pages) and maps it shared.
     *
     * @param guestBase the guest-physical address the device sees the first byte at, page-aligned
     * @throws IllegalArgumentException if the size is not positive or the base not page-aligned
     */
    public static SharedMemory create(String name, long size, long guestBase) throws LinuxException {
        long page = Mmap.pageSize();
        if (size <= 0) {
            throw new IllegalArgumentException("shared memory size must be positive: " + size);
        }
        if (guestBase % page != 0) {
            throw new IllegalArgumentException("guest base 0x" + Long.toHexString(guestBase) + " is not page-aligned");
        }
        long rounded = (size + page - 1) / page * page;
        Fd fd = MemFd.create(name, rounded);
        Arena arena = Arena.ofShared();
        try {
            return new SharedMemory(arena, fd, Mmap.map(fd, 0, rounded, true, arena), guestBase);
        } catch (LinuxException | RuntimeException e) {
            arena.close();
            fd.close();
            throw e;
        }
    }

    /**
     * Takes {@code bytes} zero-filled bytes aligned to {@code alignment} (a power of 2, up to the page size).
     *
     * @throws IllegalStateException if the memory is exhausted
     */
    public synchronized SharedBuffer allocate(long bytes, long alignment) {
        if (bytes <= 0 || alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > Mmap.pageSize()) {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes aligned to " + alignment);
        }
        long start = (next + alignment - 1) & -alignment;
        if (start + bytes > mapping.byteSize()) {
            throw new IllegalStateException("shared memory of " + mapping.byteSize() + " bytes cannot hold " + bytes
                    + " more bytes (" + start + " already used)");
        }
        next = start + bytes;
        MemorySegment segment = mapping.asSlice(start, bytes);
        segment.fill((byte) 0);
        return new SharedBuffer(segment, guestBase + start);
    }

    /** Bytes handed out so far, alignment padding included. */
    public synchronized long used() {
        return next;
    }

    /** Size of the memory in bytes. */
    public long size() {
        return mapping.byteSize();
    }

    /** The memfd, to send with SET_MEM_TABLE. */
    public Fd fd() {
        return fd;
    }

    /** This process's address of a guest-physical address inside the memory (what SET_VRING_ADDR wants). */
    public long userAddress(long guestAddress) {
        long offset = guestAddress - guestBase;
        if (offset < 0 || offset >= mapping.byteSize()) {
            throw new IllegalArgumentException("guest address 0x" + Long.toHexString(guestAddress)
                    + " is outside the shared memory");
        }
        return mapping.address() + offset;
    }

    /** The region as SET_MEM_TABLE describes it: user address = this process's mapping, as QEMU does. */
    public MemoryRegionDescription region() {
        return new MemoryRegionDescription(guestBase, mapping.byteSize(), mapping.address(), 0);
    }

    /** Unmaps the memory and closes the memfd; every allocation becomes inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        fd.close();
    }
}
