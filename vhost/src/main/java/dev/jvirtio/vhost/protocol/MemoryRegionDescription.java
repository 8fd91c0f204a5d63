package dev.jvirtio.vhost.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One memory region as SET_MEM_TABLE and ADD_MEM_REG describe it: guest-physical address, size,
 * the front-end's user address, and the offset of the region in the fd that comes with it.
 */
public record MemoryRegionDescription(long guestPhysicalAddress, long size, long userAddress, long mmapOffset) {

    public static final int SIZE = 32;
    /** At most this many regions in SET_MEM_TABLE (VHOST_MEMORY_BASELINE_NREGIONS). */
    public static final int MAX_TABLE_REGIONS = 8;

    static MemoryRegionDescription read(ByteBuffer b, int at) {
        return new MemoryRegionDescription(b.getLong(at), b.getLong(at + 8), b.getLong(at + 16), b.getLong(at + 24));
    }

    void write(ByteBuffer b) {
        b.putLong(guestPhysicalAddress).putLong(size).putLong(userAddress).putLong(mmapOffset);
    }

    /**
     * Decodes a SET_MEM_TABLE payload: u32 nregions, u32 padding, then the regions. Each region
     * comes with one fd, in order.
     */
    public static List<MemoryRegionDescription> decodeTable(Message m) throws VhostUserException {
        m.expectAtLeast(8);
        ByteBuffer b = m.payloadBuffer();
        int n = b.getInt(0);
        if (n < 0 || n > MAX_TABLE_REGIONS) {
            throw new VhostUserException("SET_MEM_TABLE: nregions=" + Integer.toUnsignedString(n) + " outside 0.." + MAX_TABLE_REGIONS);
        }
        if (m.payload().length < 8 + SIZE * n) {
            throw new VhostUserException("SET_MEM_TABLE: payload size=" + m.payload().length + " too small for " + n + " regions");
        }
        if (m.fds().size() != n) {
            throw new VhostUserException("SET_MEM_TABLE: " + n + " regions but " + m.fds().size() + " fds");
        }
        List<MemoryRegionDescription> regions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            regions.add(read(b, 8 + SIZE * i));
        }
        return regions;
    }

    public static byte[] encodeTable(List<MemoryRegionDescription> regions) {
        ByteBuffer b = ByteBuffer.allocate(8 + SIZE * regions.size()).order(ByteOrder.nativeOrder());
        b.putInt(regions.size()).putInt(0);
        regions.forEach(r -> r.write(b));
        return b.array();
    }

    /** Decodes ADD_MEM_REG / REM_MEM_REG: u64 padding, then one region. */
    public static MemoryRegionDescription decodeSingle(Message m) throws VhostUserException {
        m.expectSize(8 + SIZE);
        return read(m.payloadBuffer(), 8);
    }

    public byte[] encodeSingle() {
        ByteBuffer b = ByteBuffer.allocate(8 + SIZE).order(ByteOrder.nativeOrder());
        b.putLong(0);
        write(b);
        return b.array();
    }
}
