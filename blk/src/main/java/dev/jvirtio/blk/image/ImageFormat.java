package dev.jvirtio.blk.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The formats of disk image files jvirtio reads and writes, and {@link #AUTO} to detect one. */
public enum ImageFormat {

    /** Detect from the file's first bytes: qcow2 if it starts with the qcow2 magic, otherwise raw. */
    AUTO("auto"),
    /** The disk's bytes, one for one. */
    RAW("raw"),
    /** QEMU copy-on-write version 2 or 3. */
    QCOW2("qcow2");

    private final String formatName;

    ImageFormat(String formatName) {
        this.formatName = formatName;
    }

    /**
     * The format named as {@code qemu-img} names it ("raw", "qcow2") or "auto", ignoring case.
     *
     * @throws IllegalArgumentException naming the text and the valid names if it is not one
     */
    public static ImageFormat parse(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (ImageFormat format : values()) {
            if (format.formatName.equals(wanted)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown image format '" + name + "'; expected one of "
                + Arrays.stream(values()).map(ImageFormat::formatName).collect(Collectors.joining(", ")));
    }

    /** The name {@code qemu-img} uses, such as "qcow2". */
    public String formatName() {
        return formatName;
    }

    @Override
    public String toString() {
        return formatName;
    }
}
