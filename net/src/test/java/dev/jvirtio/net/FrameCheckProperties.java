package dev.jvirtio.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** Arbitrary bytes as header and frame, arbitrary features: the checks decide, never throw. */
class FrameCheckProperties {

    @Property(tries = 2000)
    void anyBytesFromADriverArePassedOrDroppedWithAReason(@ForAll @Size(max = 200) byte[] frame, @ForAll long features) {
        DropReason reason = FrameCheck.fromDriver(MemorySegment.ofArray(frame), frame.length, features, 1500);
        if (reason == null) {
            assertThat(frame.length).isGreaterThanOrEqualTo(NetHeader.SIZE + NetHeader.ETHERNET_HEADER);
        }
    }

    @Property(tries = 2000)
    void anyBytesFromAPortAreDeliveredOrDroppedWithAReason(@ForAll @Size(max = 200) byte[] frame, @ForAll long features) {
        byte[] copy = frame.clone();
        DropReason reason = FrameCheck.forDriver(MemorySegment.ofArray(copy), copy.length, features);
        if (reason == null) {
            assertThat(copy.length).isGreaterThanOrEqualTo(NetHeader.SIZE + NetHeader.ETHERNET_HEADER);
            assertThat(copy[NetHeader.FLAGS] & ~(NetHeader.F_NEEDS_CSUM | NetHeader.F_DATA_VALID)).isZero();
        }
    }
}
