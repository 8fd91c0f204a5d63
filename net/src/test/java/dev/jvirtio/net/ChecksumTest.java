package dev.jvirtio.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The device completes a partial checksum so that the receiver's own verification passes. */
class ChecksumTest {

    /** RFC 768 pseudo-header of the IPv4/UDP frame at {@code eth}, summed byte-wise (independently of {@link Checksum}). */
    private static long pseudoHeader(byte[] frame, int eth) {
        int ip = eth + 14;
        int udpLength = ((frame[ip + 2] & 0xff) << 8 | (frame[ip + 3] & 0xff)) - 20;
        long sum = 0;
        for (int i = 12; i < 20; i += 2) {
            sum += (frame[ip + i] & 0xff) << 8 | (frame[ip + i + 1] & 0xff);
        }
        return sum + 17 + udpLength;
    }

    private static int fold(long sum) {
        while (sum > 0xffff) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    /** Stores the folded pseudo-header sum in the UDP checksum field, as a sender with NEEDS_CSUM does. */
    static void putPseudoHeaderSum(byte[] frame, int eth) {
        int field = eth + 14 + 20 + 6;
        int sum = fold(pseudoHeader(frame, eth));
        frame[field] = (byte) (sum >> 8);
        frame[field + 1] = (byte) sum;
    }

    /** RFC 1071: the sum over pseudo-header and datagram, checksum included, is all ones. */
    static boolean verifiesUdp(byte[] frame, int eth) {
        int udp = eth + 14 + 20;
        long sum = pseudoHeader(frame, eth);
        for (int i = udp; i < frame.length; i += 2) {
            int hi = frame[i] & 0xff;
            int lo = i + 1 < frame.length ? frame[i + 1] & 0xff : 0;
            sum += hi << 8 | lo;
        }
        return fold(sum) == 0xffff;
    }

    @Test
    void completedChecksumsVerifyForOddAndEvenLengths() {
        Random random = new Random(7);
        for (int payload : new int[] {0, 1, 2, 17, 1000, 1471}) {
            byte[] frame = Frames.ipv4(Frames.B, Frames.A, 17, payload, random.nextLong());
            putPseudoHeaderSum(frame, 0);
            Checksum.complete(MemorySegment.ofArray(frame).asSlice(0), Frames.TRANSPORT, 6);
            assertThat(verifiesUdp(frame, 0)).as("payload of " + payload + " bytes").isTrue();
        }
    }

    @Test
    void aFieldOutsideThePacketIsRefused() {
        byte[] packet = new byte[10];
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Checksum.complete(MemorySegment.ofArray(packet), 8, 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
