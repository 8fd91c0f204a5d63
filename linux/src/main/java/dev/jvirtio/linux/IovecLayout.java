package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct iovec} ({@code <sys/uio.h>}): one buffer of a scatter-gather list.
 *
 * <pre>
 *   0  void  *iov_base
 *   8  size_t iov_len
 * </pre>
 */
final class IovecLayout {

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("iov_base"),
            JAVA_LONG.withName("iov_len"));

    /** The most buffers one {@code preadv}/{@code pwritev}/{@code sendmsg} call accepts (IOV_MAX). */
    static final int MAX = 1024;

    private static final VarHandle BASE = LAYOUT.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("iov_base"));
    private static final VarHandle LENGTH = LAYOUT.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("iov_len"));

    private IovecLayout() {
    }

    /** Sets element {@code index} of the iovec array {@code array} to the buffer at {@code address}. */
    static void set(MemorySegment array, long index, long address, long length) {
        BASE.set(array, 0L, index, address);
        LENGTH.set(array, 0L, index, length);
    }
}
