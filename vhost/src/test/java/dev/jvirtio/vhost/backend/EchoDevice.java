package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.device.VirtioDevice;
import dev.jvirtio.core.device.VirtioFeatures;
import java.lang.foreign.MemorySegment;

/** A test device: copies each chain's readable bytes into its writable part. Config is bytes 0..15. */
final class EchoDevice implements VirtioDevice {

    volatile long activated = -1;
    volatile int resets;

    @Override
    public int deviceId() {
        return 0x7f;
    }

    @Override
    public String name() {
        return "echo0";
    }

    @Override
    public long offeredFeatures() {
        return VirtioFeatures.of(VirtioFeatures.VERSION_1, VirtioFeatures.RING_EVENT_IDX, VirtioFeatures.RING_INDIRECT_DESC);
    }

    @Override
    public int maxQueues() {
        return 2;
    }

    @Override
    public int maxQueueSize() {
        return 256;
    }

    @Override
    public int configSize() {
        return 16;
    }

    @Override
    public void readConfig(int offset, MemorySegment dst) {
        for (long i = 0; i < dst.byteSize(); i++) {
            long at = offset + i;
            dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, at < 16 ? (byte) at : 0);
        }
    }

    @Override
    public void writeConfig(int offset, MemorySegment src) {
    }

    @Override
    public void activate(long negotiatedFeatures) {
        activated = negotiatedFeatures;
    }

    @Override
    public RequestProcessor processor(int index) {
        return chain -> {
            long n = Math.min(chain.readableLength(), chain.writableLength());
            MemorySegment tmp = MemorySegment.ofArray(new byte[(int) n]);
            chain.readFrom(0, tmp);
            return chain.writeTo(0, tmp);
        };
    }

    @Override
    public void reset() {
        resets++;
    }
}
