package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Memory mappings of files ({@code mmap(2)}) as segments that the JVM bounds-checks, unmapped when
 * their arena closes.
 */
@SuppressWarnings("restricted") // native access is this package's purpose
public final class Mmap {

    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_SHARED = 0x01;
    private static final int MAP_PRIVATE = 0x02;
    private static final long MAP_FAILED = -1L;
    private static final int SC_PAGESIZE = 30;

    private static final MethodHandle MMAP = Libc.withErrno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP =
            Libc.plain("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SYSCONF = Libc.plain("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    private static final long PAGE_SIZE = querySysconf(SC_PAGESIZE);

    private Mmap() {
    }

    /** The size of a memory page in bytes ({@code sysconf(_SC_PAGESIZE)}). */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    /**
     * Maps {@code length} bytes of {@code fd} starting at {@code offset}, readable and writable.
     *
     * <p>The returned segment is unmapped ({@code munmap(2)}) when {@code arena} closes; the mapping
     * stays valid after {@code fd} is closed. A region that starts at an offset that is not
     * page-aligned (such as a vhost-user region with a non-zero {@code mmap_offset}) is mapped by
     * mapping from offset 0 to {@code mmap_offset + size} and slicing.
     *
     * @param offset file offset, a multiple of {@link #pageSize()}
     * @param shared {@code MAP_SHARED} (writes reach the file and every other mapping) when true,
     *     {@code MAP_PRIVATE} (copy-on-write) when false
     * @throws IllegalArgumentException if {@code offset} is not page-aligned or negative, or
     *     {@code length} is not positive
     * @throws LinuxException if the mapping would reach past the end of a regular file (a memfd,
     *     a hugetlbfs or tmpfs file), where touching it would raise SIGBUS; or if mmap fails
     */
    public static MemorySegment map(Fd fd, long offset, long length, boolean shared, Arena arena)
            throws LinuxException {
        if (offset < 0 || offset % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(
                    "mmap offset must be a non-negative multiple of the page size " + PAGE_SIZE + ": " + offset);
        }
        if (length <= 0) {
            throw new IllegalArgumentException("mmap length must be positive: " + length);
        }
        int number = fd.value();
        requireWithinFile(number, offset, length);
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(Errno.state(), MemorySegment.NULL, length,
                    PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, number, offset);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (address.address() == MAP_FAILED) {
            throw LinuxException.of("mmap(length=" + length + ", fd=" + number + ", offset=" + offset
                    + (shared ? ", MAP_SHARED)" : ", MAP_PRIVATE)"), Errno.last());
        }
        return address.reinterpret(length, arena, mapping -> unmap(mapping.address(), length));
    }

    private static void requireWithinFile(int number, long offset, long length) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = Statx.query(number, arena, Statx.STATX_TYPE | Statx.STATX_SIZE);
            boolean regular = (stat.get(JAVA_SHORT, Statx.MODE) & Statx.S_IFMT) == Statx.S_IFREG;
            long fileSize = stat.get(JAVA_LONG, Statx.SIZE);
            if (regular && (offset > fileSize || length > fileSize - offset)) {
                throw LinuxException.detected("mmap(length=" + length + ", fd=" + number + ", offset=" + offset + ")",
                        "the mapping reaches past the end of the file at " + fileSize + " bytes");
            }
        }
    }

    private static void unmap(long address, long length) {
        try {
            // munmap fails only for arguments this class never passes; a cleanup action cannot report.
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }

    private static long querySysconf(int name) {
        try {
            return (long) SYSCONF.invokeExact(name);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
    }
}
