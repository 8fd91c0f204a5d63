package dev.jvirtio.net;

import static dev.jvirtio.net.NetHeader.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.core.device.VirtioFeatures;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Frames a hostile or careless driver (or port) can produce, and what the device makes of each:
 * every one is either passed or dropped with a reason, never an exception.
 */
class FrameCheckTest {

    private static final int MTU = 1500;
    private static final long ALL = NetDevice.features();
    private static final long NO_OFFLOADS = VirtioFeatures.of(VirtioFeatures.VERSION_1, NetFeatures.MRG_RXBUF);

    private static DropReason fromDriver(byte[] frame, long features) {
        return FrameCheck.fromDriver(MemorySegment.ofArray(frame), frame.length, features, MTU);
    }

    private static byte[] udp(int payload) {
        return Frames.ipv4(Frames.B, Frames.A, 17, payload, payload);
    }

    @Test
    void aPlainFrameWithinTheMtuPasses() {
        assertThat(fromDriver(Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), udp(1472)), NO_OFFLOADS)).isNull();
    }

    @Test
    void aFrameShorterThanAnEthernetHeaderIsDropped() {
        byte[] frame = Frames.join(Frames.header(0, 0, 0, 0, 0, 0), new byte[13]);
        assertThat(fromDriver(frame, ALL)).isEqualTo(DropReason.SHORT_FRAME);
        assertThat(fromDriver(new byte[5], ALL)).isEqualTo(DropReason.SHORT_FRAME);
    }

    @Test
    void aPlainFrameBeyondTheMtuIsOversized() {
        byte[] frame = Frames.join(Frames.header(0, GSO_NONE, 0, 0, 0, 0), udp(MTU + 100));
        assertThat(fromDriver(frame, ALL)).isEqualTo(DropReason.OVERSIZED);
    }

    @Test
    void flagsOnlyTheDeviceMaySetAreRefused() {
        for (int flag : new int[] {F_DATA_VALID, F_RSC_INFO, 0x80}) {
            byte[] frame = Frames.join(Frames.header(flag, GSO_NONE, 0, 0, 0, 0), udp(100));
            assertThat(fromDriver(frame, ALL)).as("flags=0x" + Integer.toHexString(flag)).isEqualTo(DropReason.BAD_HEADER);
        }
    }

    @Test
    void aPartialChecksumWithoutCsumNegotiatedIsRefused() {
        byte[] frame = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_NONE, 0, 0, Frames.TRANSPORT, 6), udp(100));
        assertThat(fromDriver(frame, NO_OFFLOADS)).isEqualTo(DropReason.CSUM_NOT_NEGOTIATED);
        assertThat(fromDriver(frame, ALL)).isNull();
    }

    @Test
    void aChecksumFieldPastTheEndOfTheFrameIsRefused() {
        byte[] body = udp(100);
        byte[] frame = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_NONE, 0, 0, body.length - 1, 0), body);
        assertThat(fromDriver(frame, ALL)).isEqualTo(DropReason.BAD_HEADER);
        byte[] far = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_NONE, 0, 0, 0xffff, 0xffff), body);
        assertThat(fromDriver(far, ALL)).isEqualTo(DropReason.BAD_HEADER);
    }

    @Test
    void aSegmentationTypeTheDriverDidNotNegotiateIsRefused() {
        byte[] tcp = Frames.ipv4(Frames.B, Frames.A, 6, 20000, 1);
        byte[] tso4 = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 54, 1448, Frames.TRANSPORT, 16), tcp);
        long withoutTso4 = ALL & ~VirtioFeatures.bit(NetFeatures.HOST_TSO4);
        assertThat(fromDriver(tso4, withoutTso4)).isEqualTo(DropReason.GSO_NOT_NEGOTIATED);
        assertThat(fromDriver(tso4, ALL)).isNull();
        byte[] uso = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_UDP_L4, 42, 1400, Frames.TRANSPORT, 6), udp(9000));
        assertThat(fromDriver(uso, ALL)).as("USO is never offered").isEqualTo(DropReason.GSO_NOT_NEGOTIATED);
        byte[] ecn = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4 | GSO_ECN, 54, 1448, Frames.TRANSPORT, 16), tcp);
        assertThat(fromDriver(ecn, ALL)).as("HOST_ECN is never offered").isEqualTo(DropReason.GSO_NOT_NEGOTIATED);
    }

    @Test
    void malformedSegmentationHeadersAreRefused() {
        byte[] tcp = Frames.ipv4(Frames.B, Frames.A, 6, 20000, 2);
        byte[] unknownType = Frames.join(Frames.header(F_NEEDS_CSUM, 2, 54, 1448, Frames.TRANSPORT, 16), tcp);
        byte[] noCsum = Frames.join(Frames.header(0, GSO_TCPV4, 54, 1448, 0, 0), tcp);
        byte[] zeroSize = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 54, 0, Frames.TRANSPORT, 16), tcp);
        byte[] headerPastEnd = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 0xffff, 1448, Frames.TRANSPORT, 16), tcp);
        byte[] ecnWithoutGso = Frames.join(Frames.header(0, GSO_ECN, 0, 0, 0, 0), udp(10));
        for (byte[] frame : new byte[][] {unknownType, noCsum, zeroSize, headerPastEnd, ecnWithoutGso}) {
            assertThat(fromDriver(frame, ALL)).isEqualTo(DropReason.BAD_HEADER);
        }
    }

    @Test
    void aSegmentationFrameBeyond64KiBIsOversized() {
        byte[] tcp = Frames.ipv4(Frames.B, Frames.A, 6, MAX_GSO_PACKET, 3);
        byte[] frame = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 54, 1448, Frames.TRANSPORT, 16), tcp);
        assertThat(fromDriver(frame, ALL)).isEqualTo(DropReason.OVERSIZED);
    }

    @Test
    void segmentationFramesReachOnlyDriversThatNegotiatedThem() {
        byte[] tcp = Frames.ipv4(Frames.B, Frames.A, 6, 20000, 4);
        byte[] frame = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_TCPV4, 54, 1448, Frames.TRANSPORT, 16), tcp);
        MemorySegment s = MemorySegment.ofArray(frame);
        assertThat(FrameCheck.forDriver(s, frame.length, NO_OFFLOADS)).isEqualTo(DropReason.GSO_NOT_ACCEPTED);
        assertThat(FrameCheck.forDriver(s, frame.length, ALL & ~VirtioFeatures.bit(NetFeatures.GUEST_TSO4)))
                .isEqualTo(DropReason.GSO_NOT_ACCEPTED);
        assertThat(FrameCheck.forDriver(s, frame.length, ALL)).isNull();
    }

    @Test
    void aPartialChecksumIsCompletedForADriverWithoutGuestCsum() {
        byte[] body = udp(333);
        byte[] frame = Frames.join(Frames.header(F_NEEDS_CSUM | F_DATA_VALID, GSO_NONE, 0, 0, Frames.TRANSPORT, 6), body);
        ChecksumTest.putPseudoHeaderSum(frame, NetHeader.SIZE);
        MemorySegment s = MemorySegment.ofArray(frame);

        assertThat(FrameCheck.forDriver(s, frame.length, NO_OFFLOADS)).isNull();

        assertThat(frame[FLAGS]).as("flags after completion").isZero();
        assertThat(ChecksumTest.verifiesUdp(frame, NetHeader.SIZE)).as("the UDP checksum verifies").isTrue();
    }

    @Test
    void aDriverWithGuestCsumGetsThePartialChecksumAsItIs() {
        byte[] frame = Frames.join(Frames.header(F_NEEDS_CSUM, GSO_NONE, 0, 0, Frames.TRANSPORT, 6), udp(50));
        byte[] before = frame.clone();
        assertThat(FrameCheck.forDriver(MemorySegment.ofArray(frame), frame.length, ALL)).isNull();
        assertThat(frame).isEqualTo(before);
    }
}
