package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code statx(2)} of an open descriptor, and {@code struct statx} ({@code <linux/stat.h>}), the same on every architecture; only the fields
 * this library reads are named.
 *
 * <pre>
 *   0  u32 stx_mask          28  u16 stx_mode      48  u64 stx_blocks (512-byte units)
 *   4  u32 stx_blksize       40  u64 stx_size     152  u32 stx_dio_mem_align
 *                                                 156  u32 stx_dio_offset_align
 * </pre>
 */
final class Statx {

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            MemoryLayout.paddingLayout(20),
            JAVA_SHORT.withName("stx_mode"),
            MemoryLayout.paddingLayout(10),
            JAVA_LONG.withName("stx_size"),
            JAVA_LONG.withName("stx_blocks"),
            MemoryLayout.paddingLayout(96),
            JAVA_INT.withName("stx_dio_mem_align"),
            JAVA_INT.withName("stx_dio_offset_align"),
            MemoryLayout.paddingLayout(96));

    static final long MASK = offset("stx_mask");
    static final long BLKSIZE = offset("stx_blksize");
    static final long MODE = offset("stx_mode");
    static final long SIZE = offset("stx_size");
    static final long BLOCKS = offset("stx_blocks");
    static final long DIO_MEM_ALIGN = offset("stx_dio_mem_align");
    static final long DIO_OFFSET_ALIGN = offset("stx_dio_offset_align");

    static final int STATX_TYPE = 0x1;
    static final int STATX_MODE = 0x2;
    static final int STATX_SIZE = 0x200;
    static final int STATX_BLOCKS = 0x400;
    static final int STATX_DIOALIGN = 0x2000;
    static final int AT_EMPTY_PATH = 0x1000;

    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;

    private static final MethodHandle STATX = Libc.withErrno("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));

    private Statx() {
    }

    /**
     * The {@code struct statx} of open descriptor {@code fd}, with at least the fields of
     * {@code mask} filled in where the file system supports them, allocated in {@code arena}.
     */
    static MemorySegment query(int fd, Arena arena, int mask) throws LinuxException {
        MemorySegment stat = arena.allocate(LAYOUT);
        int result;
        try {
            result = (int) STATX.invokeExact(Errno.state(), fd, arena.allocateFrom(""), AT_EMPTY_PATH, mask, stat);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0) {
            throw LinuxException.of("statx(fd=" + fd + ")", Errno.last());
        }
        return stat;
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
