package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.memory.GuestMemory;
import dev.jvirtio.core.memory.MemoryRegion;
import dev.jvirtio.linux.Fd;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.Mmap;
import dev.jvirtio.vhost.protocol.MemoryRegionDescription;
import dev.jvirtio.vhost.protocol.VhostUserException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest memory regions the front-end shared, each mapped from its fd in an arena of its own so
 * that one region can be unmapped (REM_MEM_REG) while the others stay. Owned by the connection
 * thread; the {@link GuestMemory} views it hands out are immutable.
 */
final class GuestMapping implements AutoCloseable {

    /** A mapped region and how many ADD_MEM_REG messages added it (see {@link #add}). */
    private static final class Mapped {
        final MemoryRegionDescription description;
        final Arena arena;
        int references = 1;

        Mapped(MemoryRegionDescription description, Arena arena) {
            this.description = description;
            this.arena = arena;
        }

        MemoryRegionDescription description() {
            return description;
        }

        Arena arena() {
            return arena;
        }
    }

    private final List<Mapped> mapped = new ArrayList<>();
    private final int maxRegions;
    private GuestMemory memory = GuestMemory.empty();

    GuestMapping(int maxRegions) {
        this.maxRegions = maxRegions;
    }

    GuestMemory memory() {
        return memory;
    }

    int regionCount() {
        return mapped.size();
    }

    /**
     * Maps one region from {@code fd} (which the caller still closes); a region identical to one
     * already mapped only counts one more reference to it.
     *
     * @throws VhostUserException if the region is malformed, overlaps another or exceeds the slots
     */
    void add(MemoryRegionDescription d, Fd fd) throws VhostUserException {
        // QEMU's vhost-user-net has one vhost device per queue pair on the same connection, and each
        // adds (and later removes) the same regions: an identical region is counted, not mapped again.
        for (Mapped m : mapped) {
            if (m.description().equals(d)) {
                m.references++;
                return;
            }
        }
        if (mapped.size() >= maxRegions) {
            throw new VhostUserException("memory region limit " + maxRegions + " reached");
        }
        if (d.size() <= 0 || d.mmapOffset() < 0 || d.mmapOffset() > Long.MAX_VALUE - d.size()) {
            throw new VhostUserException("memory region size=" + d.size() + " mmap_offset=" + d.mmapOffset() + " is invalid");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole = Mmap.map(fd, 0, d.mmapOffset() + d.size(), true, arena);
            MemoryRegion region = new MemoryRegion(d.guestPhysicalAddress(), d.size(), d.userAddress(),
                    whole.asSlice(d.mmapOffset(), d.size()));
            GuestMemory next = memory.with(region);
            mapped.add(new Mapped(d, arena));
            memory = next;
        } catch (LinuxException | IllegalArgumentException e) {
            arena.close();
            throw new VhostUserException("cannot map memory region gpa=0x" + Long.toHexString(d.guestPhysicalAddress())
                    + " size=" + d.size() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Unmaps the region matching {@code d} by guest address and size once every ADD_MEM_REG of it
     * was matched by a removal. Queues must no longer use the old memory when this is called.
     *
     * @throws VhostUserException if no such region is mapped
     */
    void remove(MemoryRegionDescription d) throws VhostUserException {
        for (int i = 0; i < mapped.size(); i++) {
            Mapped m = mapped.get(i);
            if (m.description().guestPhysicalAddress() == d.guestPhysicalAddress()
                    && m.description().size() == d.size()) {
                if (--m.references > 0) {
                    return;
                }
                mapped.remove(i);
                memory = memory.without(d.guestPhysicalAddress(), d.size());
                m.arena().close();
                return;
            }
        }
        throw new VhostUserException("REM_MEM_REG: no region at gpa=0x" + Long.toHexString(d.guestPhysicalAddress())
                + " size=" + d.size());
    }

    /** Unmaps every region. */
    @Override
    public void close() {
        mapped.forEach(m -> m.arena().close());
        mapped.clear();
        memory = GuestMemory.empty();
    }
}
