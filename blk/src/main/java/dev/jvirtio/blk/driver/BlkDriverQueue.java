package dev.jvirtio.blk.driver;

import dev.jvirtio.blk.BlkRequestType;
import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.core.driver.QueueTransport;
import dev.jvirtio.core.driver.SharedBuffer;
import dev.jvirtio.core.virtqueue.DriverQueue;
import dev.jvirtio.core.virtqueue.VirtqueueException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One virtio-blk request queue from the driver's side: a fixed set of request slots, each with its
 * header, data buffer and status byte in shared memory.
 *
 * <p>Asynchronous use: {@link #stage} requests into free slots, {@link #submit()} them with one
 * publication and at most one kick, then {@link #complete} reaps finished ones and hands each slot
 * back. The synchronous {@link #read}, {@link #write}, {@link #flush}, {@link #discard},
 * {@link #writeZeroes} and {@link #getId} do the same for one operation and check every status;
 * they need every slot free.
 *
 * <p>A request's chain is the header (device-readable), the data (device-writable for IN and
 * GET_ID, device-readable otherwise) split into segments of at most SIZE_MAX bytes, and the status
 * byte (device-writable), as VIRTIO 1.2, 5.2.6 lays it out.
 *
 * <p>Not thread-safe: one thread drives a queue.
 */
public final class BlkDriverQueue {

    /** Status value reported when the device completed a request without writing its status byte. */
    public static final int NO_STATUS = 0xff;

    /** Bytes of a slot's control block: header, discard/write-zeroes segment, status. */
    static final int CONTROL_SIZE = 64;
    private static final int HEADER_AT = 0;
    private static final int SEGMENT_AT = 16;
    private static final int STATUS_AT = 32;
    private static final long PAGE = 4096;

    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final BlkDriver driver;
    private final QueueTransport transport;
    private final int index;
    private final DriverQueue queue;
    private final int depth;
    private final int maxRequestBytes;
    private final int segmentBytes;
    private final boolean indirect;
    private final boolean polling;
    private final long timeoutNanos;

    private final MemorySegment control;
    private final long controlAddress;
    private final MemorySegment[] data;
    private final long[] dataAddress;

    private final int[] slotOfHead;
    private final boolean[] busy;
    private final int[] type;
    private final long[] sector;
    private final int[] bytes;
    private final long[] chainAddresses;
    private final int[] chainLengths;
    private final int[] reapedHeads;
    private final int[] reapedLengths;
    private final int[] reapedSlots;
    private final int[] reapedStatus;
    private int inFlightCount;
    private long kicks;
    private long waits;

    BlkDriverQueue(BlkDriver driver, int index) throws BlkIoException {
        this.driver = driver;
        this.transport = driver.transport();
        this.index = index;
        this.queue = transport.queue(index);
        BlkDriverOptions options = driver.options();
        this.depth = options.queueDepth();
        this.maxRequestBytes = options.maxRequestBytes();
        this.polling = options.polling();
        this.timeoutNanos = options.timeout().toNanos();
        this.segmentBytes = driver.sizeMax() > 0 ? Math.min(driver.sizeMax(), maxRequestBytes) : maxRequestBytes;
        int segments = (maxRequestBytes + segmentBytes - 1) / segmentBytes;
        // 5.2.4: seg_max is the most segments of one request, header and status not counted.
        if (driver.segMax() > 0 && segments > driver.segMax()) {
            throw new BlkIoException("requests of " + maxRequestBytes + " bytes need " + segments + " segments of "
                    + segmentBytes + " bytes, the device takes at most " + driver.segMax());
        }
        int descriptors = segments + 2;
        boolean canIndirect = driver.has(VirtioFeatures.RING_INDIRECT_DESC)
                && descriptors <= BlkDriver.MAX_INDIRECT;
        this.indirect = canIndirect && (options.preferIndirect() || (long) depth * descriptors > queue.size());
        long needed = indirect ? depth : (long) depth * descriptors;
        // 2.7.5.3.1 and 2.7.13: every chain in flight holds its descriptors until it is used.
        if (needed > queue.size()) {
            throw new BlkIoException("queue depth " + depth + " needs " + needed + " descriptors but queue " + index
                    + " has " + queue.size() + (canIndirect ? "" : " and the device offers no indirect descriptors")
                    + "; lower the queue depth");
        }
        SharedBuffer controlBuffer = transport.allocate((long) depth * CONTROL_SIZE, CONTROL_SIZE);
        this.control = controlBuffer.segment();
        this.controlAddress = controlBuffer.deviceAddress();
        long stride = (maxRequestBytes + PAGE - 1) / PAGE * PAGE;
        SharedBuffer dataBuffer = transport.allocate(depth * stride, PAGE);
        this.data = new MemorySegment[depth];
        this.dataAddress = new long[depth];
        for (int s = 0; s < depth; s++) {
            data[s] = dataBuffer.segment().asSlice(s * stride, maxRequestBytes);
            dataAddress[s] = dataBuffer.deviceAddress() + s * stride;
        }
        this.slotOfHead = new int[queue.size()];
        this.busy = new boolean[depth];
        this.type = new int[depth];
        this.sector = new long[depth];
        this.bytes = new int[depth];
        this.chainAddresses = new long[descriptors];
        this.chainLengths = new int[descriptors];
        this.reapedHeads = new int[queue.size()];
        this.reapedLengths = new int[queue.size()];
        this.reapedSlots = new int[queue.size()];
        this.reapedStatus = new int[queue.size()];
        if (polling) {
            queue.disableInterrupts();
        }
    }

    /** This queue's index. */
    public int index() {
        return index;
    }

    /** Request slots: the most requests in flight. */
    public int depth() {
        return depth;
    }

    /** Requests staged or submitted and not yet completed. */
    public int inFlight() {
        return inFlightCount;
    }

    /** The largest data transfer of one request. */
    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /** Whether requests go into indirect tables. */
    public boolean indirect() {
        return indirect;
    }

    /** Available buffer notifications sent so far. */
    public long kicks() {
        return kicks;
    }

    /** Times {@link #complete} slept on the call eventfd. */
    public long waits() {
        return waits;
    }

    /**
     * The data buffer of {@code slot} ({@link #maxRequestBytes()} bytes): fill it before staging an
     * OUT, read it after an IN completes.
     */
    public MemorySegment data(int slot) {
        return data[slot];
    }

    /**
     * Puts a request into free slot {@code slot}; the device sees it after {@link #submit()}.
     *
     * @param requestType {@link BlkRequestType#IN}, {@code OUT}, {@code FLUSH} or {@code GET_ID};
     *     DISCARD and WRITE_ZEROES through {@link #stageRange}
     * @param firstSector the first 512-byte sector (0 for FLUSH and GET_ID)
     * @param length      data bytes, a multiple of 512 up to {@link #maxRequestBytes()} (0 for FLUSH;
     *     GET_ID uses 20)
     * @throws IllegalStateException if the slot is in flight
     * @throws IllegalArgumentException if the request is malformed, beyond the capacity, or of a type the device lacks
     */
    public void stage(int slot, int requestType, long firstSector, int length) {
        switch (requestType) {
            case BlkRequestType.IN, BlkRequestType.OUT -> {
                if (length <= 0 || length > maxRequestBytes || length % BlkRequestType.SECTOR_SIZE != 0) {
                    throw new IllegalArgumentException("data length " + length + " must be a multiple of 512 in 512.."
                            + maxRequestBytes);
                }
                requireRange(firstSector, length >>> BlkRequestType.SECTOR_SHIFT);
            }
            case BlkRequestType.FLUSH -> length = 0;
            case BlkRequestType.GET_ID -> length = BlkRequestType.ID_BYTES;
            default -> throw new IllegalArgumentException("request type " + requestType + " is staged with stageRange");
        }
        requireSupported(requestType);
        begin(slot, requestType, requestType == BlkRequestType.IN || requestType == BlkRequestType.OUT ? firstSector : 0,
                length);
        int n = 0;
        chainAddresses[n] = controlAddress + (long) slot * CONTROL_SIZE + HEADER_AT;
        chainLengths[n++] = BlkRequestType.HEADER_SIZE;
        for (int off = 0; off < length; off += segmentBytes) {
            chainAddresses[n] = dataAddress[slot] + off;
            chainLengths[n++] = Math.min(segmentBytes, length - off);
        }
        chainAddresses[n] = controlAddress + (long) slot * CONTROL_SIZE + STATUS_AT;
        chainLengths[n++] = 1;
        int readable = requestType == BlkRequestType.OUT ? n - 1 : 1;
        add(slot, readable, n - readable);
    }

    /**
     * Puts a DISCARD or WRITE_ZEROES request for {@code sectors} sectors from {@code firstSector}
     * into free slot {@code slot}, with one segment.
     *
     * @param unmap for WRITE_ZEROES: the device may deallocate the range (5.2.6 flag unmap)
     */
    public void stageRange(int slot, int requestType, long firstSector, long sectors, boolean unmap) {
        long limit = requestType == BlkRequestType.DISCARD ? driver.maxDiscardSectors() : driver.maxWriteZeroesSectors();
        if (requestType != BlkRequestType.DISCARD && requestType != BlkRequestType.WRITE_ZEROES) {
            throw new IllegalArgumentException("request type " + requestType + " is not DISCARD or WRITE_ZEROES");
        }
        requireSupported(requestType);
        if (sectors <= 0 || sectors > 0xffff_ffffL || (limit > 0 && sectors > limit)) {
            throw new IllegalArgumentException(sectors + " sectors in one request, the device takes 1.."
                    + (limit > 0 ? limit : 0xffff_ffffL));
        }
        requireRange(firstSector, sectors);
        begin(slot, requestType, firstSector, (int) Math.min(Integer.MAX_VALUE, sectors << BlkRequestType.SECTOR_SHIFT));
        MemorySegment c = control.asSlice((long) slot * CONTROL_SIZE, CONTROL_SIZE);
        // struct virtio_blk_discard_write_zeroes: le64 sector, le32 num_sectors, le32 flags.
        c.set(LE64, SEGMENT_AT, firstSector);
        c.set(LE32, SEGMENT_AT + 8, (int) sectors);
        c.set(LE32, SEGMENT_AT + 12, unmap && requestType == BlkRequestType.WRITE_ZEROES ? BlkRequestType.F_UNMAP : 0);
        long base = controlAddress + (long) slot * CONTROL_SIZE;
        chainAddresses[0] = base + HEADER_AT;
        chainLengths[0] = BlkRequestType.HEADER_SIZE;
        chainAddresses[1] = base + SEGMENT_AT;
        chainLengths[1] = BlkRequestType.DISCARD_SEGMENT_SIZE;
        chainAddresses[2] = base + STATUS_AT;
        chainLengths[2] = 1;
        add(slot, 2, 1);
    }

    private void requireSupported(int requestType) {
        if (!driver.supports(requestType)) {
            throw new IllegalArgumentException("the device does not support " + typeName(requestType)
                    + (driver.readOnly() ? " (it is read-only)" : ""));
        }
    }

    private void requireRange(long firstSector, long sectors) {
        if (firstSector < 0 || firstSector > driver.capacitySectors() - sectors) {
            throw new IllegalArgumentException("sectors " + firstSector + ".." + (firstSector + sectors - 1)
                    + " are beyond the device's " + driver.capacitySectors() + " sectors");
        }
    }

    private void begin(int slot, int requestType, long firstSector, int length) {
        if (busy[slot]) {
            throw new IllegalStateException("slot " + slot + " of queue " + index + " is still in flight");
        }
        MemorySegment c = control.asSlice((long) slot * CONTROL_SIZE, CONTROL_SIZE);
        // struct virtio_blk_outhdr: le32 type, le32 reserved, le64 sector (5.2.6).
        c.set(LE32, HEADER_AT, requestType);
        c.set(LE32, HEADER_AT + 4, 0);
        c.set(LE64, HEADER_AT + 8, firstSector);
        c.set(ValueLayout.JAVA_BYTE, STATUS_AT, (byte) NO_STATUS);
        type[slot] = requestType;
        sector[slot] = firstSector;
        bytes[slot] = length;
    }

    private void add(int slot, int readable, int writable) {
        int head = queue.add(chainAddresses, chainLengths, readable, writable, indirect);
        if (head < 0) {
            throw new IllegalStateException("queue " + index + " has no free descriptors for slot " + slot);
        }
        slotOfHead[head] = slot;
        busy[slot] = true;
        inFlightCount++;
    }

    /** Makes every staged request visible to the device, and kicks it if it asked for notifications. */
    public void submit() throws IOException {
        queue.publish();
        if (queue.kickNeeded()) {
            kicks++;
            transport.kick(index);
        }
    }

    /**
     * Hands every completed request to {@code handler}; if none has completed, waits for at least
     * one (by polling the used ring or sleeping on the call eventfd, as the options say).
     *
     * @return the number of requests completed
     * @throws BlkIoException if nothing completes within the timeout, or the device breaks the
     *     virtqueue rules; an error status is the handler's to judge
     * @throws IllegalStateException if nothing is in flight
     */
    public int complete(CompletionHandler handler) throws IOException {
        int n = reap(handler);
        if (n > 0) {
            return n;
        }
        if (inFlightCount == 0) {
            throw new IllegalStateException("queue " + index + " has no request in flight to wait for");
        }
        long deadline = System.nanoTime() + timeoutNanos;
        if (polling) {
            while (queue.usedPending() == 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw stuck();
                }
                Thread.onSpinWait();
            }
            return reap(handler);
        }
        while (true) {
            // 2.7.7.1 (and 2.7.10 with EVENT_IDX): ask for a notification, then re-check before sleeping.
            if (queue.enableInterrupts()) {
                n = reap(handler);
                if (n > 0) {
                    return n;
                }
                continue;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw stuck();
            }
            waits++;
            transport.awaitCall(index, remaining);
            n = reap(handler);
            if (n > 0) {
                return n;
            }
        }
    }

    private BlkIoException stuck() {
        return new BlkIoException("no request completed on queue " + index + " within "
                + driver.options().timeout().toMillis() / 1000.0 + " s with " + inFlightCount
                + " in flight: the back-end is stuck or gone");
    }

    private int reap(CompletionHandler handler) throws IOException {
        int n;
        try {
            n = queue.reap(reapedHeads, reapedLengths, reapedHeads.length);
        } catch (VirtqueueException e) {
            throw new BlkIoException("the device broke the virtqueue rules on queue " + index + ": " + e.getMessage(), e);
        }
        // Every head is translated before any handler runs: a handler that stages a new request
        // may take a head reaped in this same batch.
        for (int i = 0; i < n; i++) {
            int slot = slotOfHead[reapedHeads[i]];
            busy[slot] = false;
            reapedSlots[i] = slot;
            reapedStatus[i] = Byte.toUnsignedInt(control.get(ValueLayout.JAVA_BYTE, (long) slot * CONTROL_SIZE + STATUS_AT));
        }
        inFlightCount -= n;
        for (int i = 0; i < n; i++) {
            handler.completed(reapedSlots[i], reapedStatus[i]);
        }
        return n;
    }

    /**
     * The error for request slot {@code slot} completing with {@code status}, naming the request,
     * for example "virtio-blk IN of 4096 bytes at sector 8 on queue 0 failed: the device answered IOERR".
     */
    public BlkIoException failure(int slot, int status) {
        String answer = switch (status) {
            case BlkRequestType.S_IOERR -> "the device answered IOERR";
            case BlkRequestType.S_UNSUPP -> "the device answered UNSUPP (unsupported request)";
            case NO_STATUS -> "the device completed it without writing a status";
            default -> "the device answered status " + status;
        };
        String what = switch (type[slot]) {
            case BlkRequestType.FLUSH, BlkRequestType.GET_ID -> typeName(type[slot]);
            case BlkRequestType.DISCARD, BlkRequestType.WRITE_ZEROES -> typeName(type[slot]) + " of "
                    + (Integer.toUnsignedLong(bytes[slot]) >> BlkRequestType.SECTOR_SHIFT) + " sectors at sector "
                    + sector[slot];
            default -> typeName(type[slot]) + " of " + bytes[slot] + " bytes at sector " + sector[slot];
        };
        return new BlkIoException("virtio-blk " + what + " on queue " + index + " failed: " + answer);
    }

    static String typeName(int requestType) {
        return switch (requestType) {
            case BlkRequestType.IN -> "IN";
            case BlkRequestType.OUT -> "OUT";
            case BlkRequestType.FLUSH -> "FLUSH";
            case BlkRequestType.GET_ID -> "GET_ID";
            case BlkRequestType.DISCARD -> "DISCARD";
            case BlkRequestType.WRITE_ZEROES -> "WRITE_ZEROES";
            default -> "request type " + requestType;
        };
    }

    /**
     * Reads {@code dst.byteSize()} bytes from byte {@code offset} of the device, in requests of up to
     * {@link #maxRequestBytes()} bytes kept {@link #depth()} deep.
     *
     * @throws IllegalArgumentException if offset or length is not a multiple of 512, or the range is beyond the capacity
     * @throws BlkIoException if a request fails
     */
    public void read(long offset, MemorySegment dst) throws IOException {
        transfer(BlkRequestType.IN, offset, dst);
    }

    /** Writes {@code src} at byte {@code offset} of the device; like {@link #read}. */
    public void write(long offset, MemorySegment src) throws IOException {
        transfer(BlkRequestType.OUT, offset, src);
    }

    private void transfer(int requestType, long offset, MemorySegment buffer) throws IOException {
        requireIdle();
        long total = buffer.byteSize();
        if (offset % BlkRequestType.SECTOR_SIZE != 0 || total % BlkRequestType.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("offset " + offset + " and length " + total + " must be multiples of 512");
        }
        requireRange(offset >> BlkRequestType.SECTOR_SHIFT, total >> BlkRequestType.SECTOR_SHIFT);
        long[] position = new long[depth];
        int[] free = new int[depth];
        int freeCount = 0;
        for (int s = depth - 1; s >= 0; s--) {
            free[freeCount++] = s;
        }
        long submitted = 0;
        long[] completed = {0};
        int[] freeTop = {freeCount};
        while (completed[0] < total) {
            while (freeTop[0] > 0 && submitted < total) {
                int slot = free[--freeTop[0]];
                int chunk = (int) Math.min(maxRequestBytes, total - submitted);
                if (requestType == BlkRequestType.OUT) {
                    MemorySegment.copy(buffer, submitted, data[slot], 0, chunk);
                }
                position[slot] = submitted;
                stage(slot, requestType, (offset + submitted) >> BlkRequestType.SECTOR_SHIFT, chunk);
                submitted += chunk;
            }
            submit();
            try {
                complete((slot, status) -> {
                    if (status != BlkRequestType.S_OK) {
                        throw failure(slot, status);
                    }
                    if (requestType == BlkRequestType.IN) {
                        MemorySegment.copy(data[slot], 0, buffer, position[slot], bytes[slot]);
                    }
                    completed[0] += bytes[slot];
                    free[freeTop[0]++] = slot;
                });
            } catch (BlkIoException e) {
                drain();
                throw e;
            }
        }
    }

    /**
     * Waits until every request in flight has completed, ignoring their statuses: leaves the queue
     * idle after an error or at the end of a run.
     *
     * @throws BlkIoException if the device stops answering
     */
    public void drain() throws IOException {
        while (inFlightCount > 0) {
            complete((slot, status) -> { });
        }
    }

    /** Sends FLUSH and waits: every completed write is durable afterwards (5.2.6.1). */
    public void flush() throws IOException {
        requireIdle();
        stage(0, BlkRequestType.FLUSH, 0, 0);
        awaitOne();
    }

    /** Discards byte range [{@code offset}, {@code offset + length}) (both multiples of 512), in as many requests as the device's limit needs. */
    public void discard(long offset, long length) throws IOException {
        ranges(BlkRequestType.DISCARD, offset, length, false);
    }

    /** Zeroes byte range [{@code offset}, {@code offset + length}); with {@code unmap} the device may deallocate it. */
    public void writeZeroes(long offset, long length, boolean unmap) throws IOException {
        ranges(BlkRequestType.WRITE_ZEROES, offset, length, unmap);
    }

    private void ranges(int requestType, long offset, long length, boolean unmap) throws IOException {
        requireIdle();
        if (offset % BlkRequestType.SECTOR_SIZE != 0 || length % BlkRequestType.SECTOR_SIZE != 0 || length <= 0) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length
                    + " must be multiples of 512, the length positive");
        }
        long limit = requestType == BlkRequestType.DISCARD ? driver.maxDiscardSectors() : driver.maxWriteZeroesSectors();
        long step = limit > 0 ? limit : 0xffff_ffffL;
        long first = offset >> BlkRequestType.SECTOR_SHIFT;
        long end = first + (length >> BlkRequestType.SECTOR_SHIFT);
        for (long s = first; s < end; s += step) {
            stageRange(0, requestType, s, Math.min(step, end - s), unmap);
            awaitOne();
        }
    }

    /**
     * Asks the device for its serial (GET_ID, 5.2.6): up to 20 bytes, cut at the first NUL.
     *
     * @throws BlkIoException if the device refuses
     */
    public String getId() throws IOException {
        requireIdle();
        stage(0, BlkRequestType.GET_ID, 0, BlkRequestType.ID_BYTES);
        awaitOne();
        byte[] id = data[0].asSlice(0, BlkRequestType.ID_BYTES).toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < id.length && id[n] != 0) {
            n++;
        }
        return new String(id, 0, n, StandardCharsets.US_ASCII);
    }

    private void awaitOne() throws IOException {
        submit();
        while (inFlightCount > 0) {
            complete((slot, status) -> {
                if (status != BlkRequestType.S_OK) {
                    throw failure(slot, status);
                }
            });
        }
    }

    private void requireIdle() {
        if (inFlightCount != 0) {
            throw new IllegalStateException("queue " + index + " has " + inFlightCount
                    + " requests in flight; synchronous requests need an idle queue");
        }
    }
}
