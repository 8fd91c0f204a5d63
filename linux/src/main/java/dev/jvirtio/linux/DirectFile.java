package dev.jvirtio.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A regular file or block device for positioned, zero-copy I/O between its blocks and native
 * memory: {@code pread}/{@code pwrite}, their scatter-gather forms, syncs, {@code fallocate} and
 * discard. Optionally opened with {@code O_DIRECT} and {@code O_DSYNC}.
 *
 * <p>The segments given to the transfer methods are passed to the kernel by address: they must be
 * native and stay alive until the call returns. With {@link OpenFlag#DIRECT} every buffer address
 * must be a multiple of {@link #directMemoryAlignment()} and every offset and length a multiple of
 * {@link #directOffsetAlignment()}; otherwise the kernel fails the call with {@link Errno#EINVAL}.
 *
 * <p>Thread-safety: every method may be called from several threads at once (positioned I/O does
 * not share a file offset), except {@link #close()}, which must follow the last transfer.
 */
public final class DirectFile implements AutoCloseable {

    /** {@code fallocate} mode: do not change the file size. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code fallocate} mode: free the range's blocks (needs {@link #FALLOC_FL_KEEP_SIZE}); it reads as zeroes. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** {@code fallocate} mode: make the range read as zeroes, keeping it allocated. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_DSYNC = 0x1000;
    private static final int O_DIRECT = Libc.ARCH == Libc.Arch.X86_64 ? 0x4000 : 0x10000;
    private static final int O_CLOEXEC = 0x80000;

    private static final long BLKSSZGET = 0x1268;
    private static final long BLKPBSZGET = 0x127B;
    private static final long BLKDISCARD = 0x1277;
    private static final long BLKGETSIZE64 = 0x80081272L;

    private static final int SECTOR = 512;
    private static final int FALLBACK_MEMORY_ALIGNMENT = 4096;

    private static final MethodHandle OPEN = Libc.withErrnoVariadic("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle PREAD =
            Libc.withErrno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE =
            Libc.withErrno("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PREADV =
            Libc.withErrno("preadv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle PWRITEV =
            Libc.withErrno("pwritev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FSYNC = Libc.withErrno("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC =
            Libc.withErrno("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FALLOCATE = Libc.withErrno("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle IOCTL = Libc.withErrnoVariadic("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);

    private static final ThreadLocal<MemorySegment> IOVECS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(IovecLayout.LAYOUT, IovecLayout.MAX));

    private final Fd fd;
    private final Path path;
    private final Set<OpenFlag> flags;
    private final boolean blockDevice;
    private final int logicalBlockSize;
    private final int physicalBlockSize;
    private final int directMemoryAlignment;
    private final int directOffsetAlignment;

    private DirectFile(Fd fd, Path path, Set<OpenFlag> flags, boolean blockDevice, int logicalBlockSize,
            int physicalBlockSize, int directMemoryAlignment, int directOffsetAlignment) {
        this.fd = fd;
        this.path = path;
        this.flags = flags;
        this.blockDevice = blockDevice;
        this.logicalBlockSize = logicalBlockSize;
        this.physicalBlockSize = physicalBlockSize;
        this.directMemoryAlignment = directMemoryAlignment;
        this.directOffsetAlignment = directOffsetAlignment;
    }

    /**
     * Opens an existing regular file or block device, read-only unless {@link OpenFlag#WRITE} is
     * given, and always close-on-exec.
     *
     * @throws LinuxException naming the path and flags: {@link Errno#ENOENT} if it does not
     *     exist, {@link Errno#EACCES} if permission is denied, {@link Errno#EISDIR} for a directory,
     *     {@link Errno#ENODEV} for other kinds of file, {@link Errno#EINVAL} if the file system does
     *     not support {@code O_DIRECT}
     */
    public static DirectFile open(Path path, OpenFlag... flags) throws LinuxException {
        Set<OpenFlag> flagSet = flags.length == 0 ? EnumSet.noneOf(OpenFlag.class) : EnumSet.copyOf(Arrays.asList(flags));
        int openFlags = (flagSet.contains(OpenFlag.WRITE) ? O_RDWR : O_RDONLY) | O_CLOEXEC
                | (flagSet.contains(OpenFlag.DIRECT) ? O_DIRECT : 0)
                | (flagSet.contains(OpenFlag.DSYNC) ? O_DSYNC : 0);
        String call = "open(path=" + path + ", flags=" + describe(flagSet) + ")";
        int number;
        try (Arena arena = Arena.ofConfined()) {
            // O_NONBLOCK keeps a FIFO at the path from blocking the open; it is cleared below.
            number = (int) OPEN.invokeExact(Errno.state(), arena.allocateFrom(path.toString()),
                    openFlags | O_NONBLOCK, 0);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (number < 0) {
            int errno = Errno.last();
            if (errno == Errno.EINVAL && flagSet.contains(OpenFlag.DIRECT)) {
                throw LinuxException.of(call, errno, "the file system holding " + path + " does not support O_DIRECT");
            }
            throw LinuxException.of(call, errno);
        }
        Fd fd = Fd.adopt(number);
        try {
            return describeOpened(fd, path, flagSet, call);
        } catch (LinuxException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    private static DirectFile describeOpened(Fd fd, Path path, Set<OpenFlag> flags, String call) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = Statx.query(fd.value(), arena,
                    Statx.STATX_TYPE | Statx.STATX_MODE | Statx.STATX_DIOALIGN);
            int type = stat.get(JAVA_SHORT, Statx.MODE) & Statx.S_IFMT;
            if (type != Statx.S_IFREG && type != Statx.S_IFBLK) {
                boolean directory = type == Statx.S_IFDIR;
                throw LinuxException.of(call, directory ? Errno.EISDIR : Errno.ENODEV,
                        path + (directory ? " is a directory" : " is neither a regular file nor a block device"));
            }
            fd.setNonBlocking(false);
            boolean block = type == Statx.S_IFBLK;
            int logical = block ? ioctlInt(fd.value(), BLKSSZGET, "BLKSSZGET", arena) : SECTOR;
            int physical = block ? ioctlInt(fd.value(), BLKPBSZGET, "BLKPBSZGET", arena)
                    : Math.max(SECTOR, stat.get(JAVA_INT, Statx.BLKSIZE));
            int memoryAlignment = FALLBACK_MEMORY_ALIGNMENT;
            int offsetAlignment = logical;
            boolean reported = (stat.get(JAVA_INT, Statx.MASK) & Statx.STATX_DIOALIGN) != 0;
            if (reported && stat.get(JAVA_INT, Statx.DIO_MEM_ALIGN) > 0) {
                memoryAlignment = stat.get(JAVA_INT, Statx.DIO_MEM_ALIGN);
                offsetAlignment = stat.get(JAVA_INT, Statx.DIO_OFFSET_ALIGN);
            }
            return new DirectFile(fd, path, Collections.unmodifiableSet(flags), block, logical, physical,
                    memoryAlignment, offsetAlignment);
        }
    }

    /** The path this file was opened with. */
    public Path path() {
        return path;
    }

    /** The flags this file was opened with. */
    public Set<OpenFlag> flags() {
        return flags;
    }

    /** Whether the file was opened {@link OpenFlag#DIRECT}. */
    public boolean isDirect() {
        return flags.contains(OpenFlag.DIRECT);
    }

    /** Whether the file was opened {@link OpenFlag#WRITE}. */
    public boolean isWritable() {
        return flags.contains(OpenFlag.WRITE);
    }

    /** Whether this is a block device rather than a regular file. */
    public boolean isBlockDevice() {
        return blockDevice;
    }

    /**
     * The size in bytes: the file's length ({@code statx}), or the device's capacity
     * ({@code ioctl(BLKGETSIZE64)}). Read fresh at each call.
     */
    public long size() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            if (blockDevice) {
                MemorySegment size = arena.allocate(JAVA_LONG);
                ioctl(fd.value(), BLKGETSIZE64, "BLKGETSIZE64", size);
                return size.get(JAVA_LONG, 0);
            }
            return Statx.query(fd.value(), arena, Statx.STATX_SIZE).get(JAVA_LONG, Statx.SIZE);
        }
    }

    /**
     * The bytes of storage the file occupies (its allocated 512-byte blocks), which is less than
     * its size when it is sparse. For a block device, as {@code statx} reports it (usually 0).
     */
    public long allocatedBytes() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            return Statx.query(fd.value(), arena, Statx.STATX_BLOCKS).get(JAVA_LONG, Statx.BLOCKS) * SECTOR;
        }
    }

    /** The smallest addressable unit: {@code ioctl(BLKSSZGET)} for a block device, 512 for a file. */
    public int logicalBlockSize() {
        return logicalBlockSize;
    }

    /**
     * The unit the storage writes without read-modify-write: {@code ioctl(BLKPBSZGET)} for a block
     * device, the file system's preferred I/O size ({@code st_blksize}) for a file.
     */
    public int physicalBlockSize() {
        return physicalBlockSize;
    }

    /**
     * The alignment {@code O_DIRECT} needs for buffer addresses: {@code statx}'s
     * {@code STATX_DIOALIGN} where the kernel and file system report it, otherwise 4096 (safe).
     */
    public int directMemoryAlignment() {
        return directMemoryAlignment;
    }

    /**
     * The alignment {@code O_DIRECT} needs for file offsets and transfer lengths: {@code statx}'s
     * {@code STATX_DIOALIGN} where reported, otherwise the logical block size.
     */
    public int directOffsetAlignment() {
        return directOffsetAlignment;
    }

    /**
     * Reads into all of {@code dst} from {@code offset}, repeating short reads.
     *
     * @return the bytes read: {@code dst.byteSize()}, or fewer if the end of the file came first
     */
    public long pread(MemorySegment dst, long offset) throws LinuxException {
        requireWritableNative(dst);
        int number = fd.value();
        long done = 0;
        while (done < dst.byteSize()) {
            MemorySegment rest = done == 0 ? dst : dst.asSlice(done);
            long n;
            try {
                n = (long) PREAD.invokeExact(Errno.state(), number, rest, rest.byteSize(), offset + done);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (n < 0) {
                if (Errno.last() == Errno.EINTR) {
                    continue;
                }
                throw failure("pread", offset + done, rest.byteSize(),
                        alignmentProblem(offset + done, rest.byteSize(), rest.address()), Errno.last());
            }
            if (n == 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /** Writes all of {@code src} at {@code offset}, repeating short writes. */
    public void pwrite(MemorySegment src, long offset) throws LinuxException {
        Libc.requireNative(src, "write buffer");
        int number = fd.value();
        long done = 0;
        while (done < src.byteSize()) {
            MemorySegment rest = done == 0 ? src : src.asSlice(done);
            long n;
            try {
                n = (long) PWRITE.invokeExact(Errno.state(), number, rest, rest.byteSize(), offset + done);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (n < 0) {
                if (Errno.last() == Errno.EINTR) {
                    continue;
                }
                throw failure("pwrite", offset + done, rest.byteSize(),
                        alignmentProblem(offset + done, rest.byteSize(), rest.address()), Errno.last());
            }
            if (n == 0) {
                throw LinuxException.detected(transferCall("pwrite", offset + done, rest.byteSize()),
                        "the kernel wrote 0 bytes; " + path + " has no room past " + (offset + done));
            }
            done += n;
        }
    }

    /**
     * Reads from {@code offset} into the segments one after another ({@code preadv}), repeating
     * short reads; more than 1024 segments take several calls.
     *
     * @return the bytes read: the segments' total size, or fewer if the end of the file came first
     */
    public long preadv(MemorySegment[] dsts, long offset) throws LinuxException {
        for (MemorySegment dst : dsts) {
            requireWritableNative(dst);
        }
        return transferVector(PREADV, "preadv", dsts, offset);
    }

    /** Writes the segments one after another from {@code offset} ({@code pwritev}), completely. */
    public void pwritev(MemorySegment[] srcs, long offset) throws LinuxException {
        for (MemorySegment src : srcs) {
            Libc.requireNative(src, "write buffer");
        }
        transferVector(PWRITEV, "pwritev", srcs, offset);
    }

    /** Flushes written data (and the metadata needed to read it) to stable storage. */
    public void fdatasync() throws LinuxException {
        sync(FDATASYNC, "fdatasync");
    }

    /** Flushes written data and all metadata to stable storage. */
    public void fsync() throws LinuxException {
        sync(FSYNC, "fsync");
    }

    /**
     * Manipulates the range's allocation ({@code fallocate(2)}): {@code FALLOC_FL_PUNCH_HOLE |
     * FALLOC_FL_KEEP_SIZE} frees it, {@link #FALLOC_FL_ZERO_RANGE} zeroes it, 0 allocates it.
     *
     * @throws LinuxException with {@link Errno#EOPNOTSUPP} if the file system or device does not
     *     support the mode
     */
    public void fallocate(int mode, long offset, long length) throws LinuxException {
        int number = fd.value();
        int result;
        do {
            try {
                result = (int) FALLOCATE.invokeExact(Errno.state(), number, mode, offset, length);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (result < 0 && Errno.last() == Errno.EINTR);
        if (result < 0) {
            throw LinuxException.of("fallocate(path=" + path + ", mode=0x" + Integer.toHexString(mode)
                    + ", offset=" + offset + ", length=" + length + ")", Errno.last());
        }
    }

    /**
     * Tells a block device that the range's contents are no longer needed ({@code ioctl(BLKDISCARD)});
     * what it then reads back is up to the device.
     *
     * @throws LinuxException with {@link Errno#ENOTTY} for a regular file, {@link Errno#EOPNOTSUPP}
     *     if the device cannot discard, {@link Errno#EINVAL} if the range is not aligned to the
     *     logical block size
     */
    public void discardBlocks(long offset, long length) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment range = arena.allocate(JAVA_LONG, 2);
            range.setAtIndex(JAVA_LONG, 0, offset);
            range.setAtIndex(JAVA_LONG, 1, length);
            ioctl(fd.value(), BLKDISCARD, "BLKDISCARD, offset=" + offset + ", length=" + length, range);
        }
    }

    /** The underlying descriptor. */
    public Fd fd() {
        return fd;
    }

    /** Closes the file; later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "DirectFile[" + path + ", " + describe(flags) + "]";
    }

    private long transferVector(MethodHandle call, String name, MemorySegment[] segments, long offset)
            throws LinuxException {
        boolean reading = call == PREADV;
        int number = fd.value();
        MemorySegment iovecs = IOVECS.get();
        int index = 0;
        long within = 0;
        long done = 0;
        while (index < segments.length) {
            if (within == segments[index].byteSize()) {
                index++;
                within = 0;
                continue;
            }
            int count = 0;
            long requested = 0;
            for (int i = index; i < segments.length && count < IovecLayout.MAX; i++) {
                long start = i == index ? within : 0;
                long length = segments[i].byteSize() - start;
                if (length > 0) {
                    IovecLayout.set(iovecs, count++, segments[i].address() + start, length);
                    requested += length;
                }
            }
            long n;
            try {
                n = (long) call.invokeExact(Errno.state(), number, iovecs, count, offset + done);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
            if (n < 0) {
                if (Errno.last() == Errno.EINTR) {
                    continue;
                }
                int errno = Errno.last();
                throw failure(name, offset + done, requested,
                        vectorAlignmentProblem(segments, index, within, offset + done), errno);
            }
            if (n == 0) {
                if (reading) {
                    break;
                }
                throw LinuxException.detected(transferCall(name, offset + done, requested),
                        "the kernel wrote 0 bytes; " + path + " has no room past " + (offset + done));
            }
            done += n;
            for (long left = n; left > 0; ) {
                long available = segments[index].byteSize() - within;
                if (left >= available) {
                    left -= available;
                    index++;
                    within = 0;
                } else {
                    within += left;
                    left = 0;
                }
            }
        }
        return done;
    }

    /** Names the first O_DIRECT alignment rule a vector transfer breaks, or null. */
    private String vectorAlignmentProblem(MemorySegment[] segments, int index, long within, long offset) {
        for (int i = index; i < segments.length; i++) {
            long start = i == index ? within : 0;
            String problem = alignmentProblem(i == index ? offset : 0, segments[i].byteSize() - start,
                    segments[i].address() + start);
            if (problem != null) {
                return problem + " (buffer " + i + ")";
            }
        }
        return null;
    }

    /** Names the first O_DIRECT alignment rule a transfer breaks, or null. */
    private String alignmentProblem(long offset, long length, long address) {
        if (offset % directOffsetAlignment != 0) {
            return "offset " + offset + " is not a multiple of " + directOffsetAlignment;
        }
        if (address % directMemoryAlignment != 0) {
            return "buffer address 0x" + Long.toHexString(address) + " is not a multiple of " + directMemoryAlignment;
        }
        if (length % directOffsetAlignment != 0) {
            return "length " + length + " is not a multiple of " + directOffsetAlignment;
        }
        return null;
    }

    private LinuxException failure(String name, long offset, long length, String alignmentProblem, int errno) {
        String call = transferCall(name, offset, length);
        if (errno == Errno.EINVAL && isDirect()) {
            return LinuxException.of(call, errno, "O_DIRECT needs buffer addresses aligned to "
                    + directMemoryAlignment + " bytes and offsets and lengths to " + directOffsetAlignment
                    + (alignmentProblem == null ? "" : ": " + alignmentProblem));
        }
        return LinuxException.of(call, errno);
    }

    private String transferCall(String name, long offset, long length) {
        return name + "(path=" + path + ", offset=" + offset + ", length=" + length + ")";
    }

    private void sync(MethodHandle call, String name) throws LinuxException {
        int number = fd.value();
        int result;
        do {
            try {
                result = (int) call.invokeExact(Errno.state(), number);
            } catch (Throwable t) {
                throw Libc.unexpected(t);
            }
        } while (result < 0 && Errno.last() == Errno.EINTR);
        if (result < 0) {
            throw LinuxException.of(name + "(path=" + path + ")", Errno.last());
        }
    }

    private static void requireWritableNative(MemorySegment dst) {
        Libc.requireNative(dst, "read buffer");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read buffer is read-only");
        }
    }

    private static int ioctlInt(int number, long request, String requestName, Arena arena) throws LinuxException {
        MemorySegment value = arena.allocate(JAVA_INT);
        ioctl(number, request, requestName, value);
        return value.get(JAVA_INT, 0);
    }

    private static void ioctl(int number, long request, String requestName, MemorySegment argument)
            throws LinuxException {
        int result;
        try {
            result = (int) IOCTL.invokeExact(Errno.state(), number, request, argument);
        } catch (Throwable t) {
            throw Libc.unexpected(t);
        }
        if (result < 0) {
            throw LinuxException.of("ioctl(fd=" + number + ", " + requestName + ")", Errno.last());
        }
    }

    private static String describe(Set<OpenFlag> flags) {
        String access = flags.contains(OpenFlag.WRITE) ? "O_RDWR" : "O_RDONLY";
        String extra = flags.stream()
                .filter(flag -> flag != OpenFlag.WRITE)
                .map(flag -> flag == OpenFlag.DIRECT ? "O_DIRECT" : "O_DSYNC")
                .collect(Collectors.joining("|"));
        return extra.isEmpty() ? access : access + "|" + extra;
    }
}
