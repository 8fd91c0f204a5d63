package dev.jvirtio.core.driver;

import java.lang.foreign.MemorySegment;

/**
 * Memory shared with the device: the driver's view of it and the address the device uses for its
 * first byte (what goes into descriptors).
 */
public record SharedBuffer(MemorySegment segment, long deviceAddress) {
}
