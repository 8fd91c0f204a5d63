package dev.jvirtio.core.device;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads of a device-specific configuration space held as bytes, the way
 * {@link VirtioDevice#readConfig} promises them: the bytes from {@code offset} on, and zeroes past
 * the end of the space (or for an offset outside it).
 */
public final class ConfigSpace {

    private ConfigSpace() {
    }

    /**
     * Copies {@code config} from {@code offset} into {@code dst}, filling the rest of {@code dst}
     * with zeroes.
     */
    public static void read(byte[] config, int offset, MemorySegment dst) {
        dst.fill((byte) 0);
        if (offset >= 0 && offset < config.length) {
            long n = Math.min(dst.byteSize(), config.length - offset);
            MemorySegment.copy(config, offset, dst, ValueLayout.JAVA_BYTE, 0, (int) n);
        }
    }
}
