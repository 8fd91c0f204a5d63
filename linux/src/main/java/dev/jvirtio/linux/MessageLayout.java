package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The structures of {@code sendmsg(2)}/{@code recvmsg(2)} on a 64-bit Linux, and
 * {@code struct sockaddr_un}.
 *
 * <pre>
 * struct msghdr (56 bytes)                 struct cmsghdr (16 bytes, then data)
 *   0  void   *msg_name                      0  size_t cmsg_len    (header + data)
 *   8  int     msg_namelen                   8  int    cmsg_level  (SOL_SOCKET)
 *  16  struct iovec *msg_iov                12  int    cmsg_type   (SCM_RIGHTS)
 *  24  size_t  msg_iovlen                   16  data: int fds[n]
 *  32  void   *msg_control
 *  40  size_t  msg_controllen           struct sockaddr_un (110 bytes)
 *  48  int     msg_flags                     0  sa_family_t sun_family (AF_UNIX)
 *                                            2  char sun_path[108]     (NUL-terminated)
 * </pre>
 */
final class MessageLayout {

    static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));

    static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"),
            JAVA_INT.withName("cmsg_level"),
            JAVA_INT.withName("cmsg_type"));

    static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("sun_path"));

    static final VarHandle MSG_IOV = MSGHDR.varHandle(MemoryLayout.PathElement.groupElement("msg_iov"));
    static final VarHandle MSG_IOVLEN = MSGHDR.varHandle(MemoryLayout.PathElement.groupElement("msg_iovlen"));
    static final VarHandle MSG_CONTROL = MSGHDR.varHandle(MemoryLayout.PathElement.groupElement("msg_control"));
    static final VarHandle MSG_CONTROLLEN = MSGHDR.varHandle(MemoryLayout.PathElement.groupElement("msg_controllen"));
    static final VarHandle MSG_FLAGS = MSGHDR.varHandle(MemoryLayout.PathElement.groupElement("msg_flags"));

    static final VarHandle CMSG_LEN = CMSGHDR.varHandle(MemoryLayout.PathElement.groupElement("cmsg_len"));
    static final VarHandle CMSG_LEVEL = CMSGHDR.varHandle(MemoryLayout.PathElement.groupElement("cmsg_level"));
    static final VarHandle CMSG_TYPE = CMSGHDR.varHandle(MemoryLayout.PathElement.groupElement("cmsg_type"));

    static final VarHandle SUN_FAMILY = SOCKADDR_UN.varHandle(MemoryLayout.PathElement.groupElement("sun_family"));
    static final long SUN_PATH_OFFSET = SOCKADDR_UN.byteOffset(MemoryLayout.PathElement.groupElement("sun_path"));
    /** Bytes of a socket path, not counting its terminating NUL. */
    static final int SUN_PATH_MAX = 107;

    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;

    private MessageLayout() {
    }

    /** {@code CMSG_ALIGN}: control messages start on 8-byte boundaries. */
    static long align(long length) {
        return (length + 7) & ~7L;
    }

    /** {@code CMSG_LEN(n)}: the {@code cmsg_len} of a message with {@code n} data bytes. */
    static long cmsgLen(long dataBytes) {
        return CMSGHDR.byteSize() + dataBytes;
    }

    /** {@code CMSG_SPACE(n)}: the buffer space a message with {@code n} data bytes occupies. */
    static long cmsgSpace(long dataBytes) {
        return CMSGHDR.byteSize() + align(dataBytes);
    }

    /** Writes {@code path} into a {@code sockaddr_un}; returns the address length for the kernel. */
    static int writeSockaddr(MemorySegment sockaddr, short family, byte[] path) {
        SUN_FAMILY.set(sockaddr, 0L, family);
        MemorySegment.copy(path, 0, sockaddr, JAVA_BYTE, SUN_PATH_OFFSET, path.length);
        sockaddr.set(JAVA_BYTE, SUN_PATH_OFFSET + path.length, (byte) 0);
        return (int) (SUN_PATH_OFFSET + path.length + 1);
    }
}
