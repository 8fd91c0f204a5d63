package dev.jvirtio.tune.image;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * How many bytes of storage a file occupies, from {@code stat(2)}'s {@code st_blocks}; smaller
 * than the file's size when the file is sparse.
 */
@SuppressWarnings("restricted")
final class FileAllocation {

    /** {@code st_blocks} counts 512-byte units whatever the file system's block size (stat(2)). */
    private static final long BLOCK_UNIT = 512;
    /** Offset of {@code st_blocks} in {@code struct stat} on x86_64 and on aarch64 (generic layout). */
    private static final long ST_BLOCKS_OFFSET = 64;
    /** Larger than {@code struct stat} on every 64-bit Linux ABI. */
    private static final long STAT_BYTES = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle STAT = LINKER.downcallHandle(
            LINKER.defaultLookup().find("stat").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private FileAllocation() {
    }

    /**
     * The bytes allocated to {@code path}.
     *
     * @throws ImageException naming {@code stat} and the errno text when the call fails
     */
    static long allocatedBytes(Path path) throws ImageException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(STAT_BYTES, 8);
            int rc = (int) STAT.invokeExact(capture, arena.allocateFrom(path.toString()), buf);
            if (rc != 0) {
                int errno = (int) ERRNO.get(capture, 0L);
                throw new ImageException("stat(" + path + ") failed: " + strerror(errno));
            }
            return buf.get(ValueLayout.JAVA_LONG, ST_BLOCKS_OFFSET) * BLOCK_UNIT;
        } catch (ImageException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("stat downcall failed", t);
        }
    }

    private static String strerror(int errno) throws Throwable {
        MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
        return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
    }
}
