package dev.jvirtio.net;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A 48-bit Ethernet address, kept in the low 48 bits of a long in transmission order (the first
 * octet is the most significant).
 */
public record MacAddress(long value) {

    private static final Pattern TEXT = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    /** The broadcast address ff:ff:ff:ff:ff:ff. */
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);

    public MacAddress {
        if ((value & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("MAC address value 0x" + Long.toHexString(value) + " has more than 48 bits");
        }
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff}.
     *
     * @throws IllegalArgumentException with one sentence naming the text if it is not six hex
     *     octets joined by colons
     */
    public static MacAddress parse(String text) {
        if (text == null || !TEXT.matcher(text).matches()) {
            throw new IllegalArgumentException("MAC address '" + text + "' is not six hex octets joined by ':'");
        }
        return new MacAddress(Long.parseLong(text.replace(":", ""), 16));
    }

    /** The address made of six octets. */
    public static MacAddress of(byte[] octets) {
        if (octets.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 octets, not " + octets.length);
        }
        long v = 0;
        for (byte b : octets) {
            v = (v << 8) | Byte.toUnsignedLong(b);
        }
        return new MacAddress(v);
    }

    /** Whether the group bit (bit 0 of the first octet) is set: multicast or broadcast. */
    public boolean isMulticast() {
        return (value & (1L << 40)) != 0;
    }

    /** The six octets in transmission order. */
    public byte[] octets() {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (value >>> (40 - 8 * i));
        }
        return b;
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(octets());
    }
}
