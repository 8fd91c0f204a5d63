package dev.jvirtio.tune.host;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One line of {@code /proc/mounts}.
 *
 * @param device     the mounted device or source
 * @param mountPoint where it is mounted (octal escapes such as {@code \040} decoded)
 * @param fsType     the file system type
 * @param options    the mount options, in order
 */
public record Mount(String device, String mountPoint, String fsType, List<String> options) {

    public Mount {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(mountPoint, "mountPoint");
        Objects.requireNonNull(fsType, "fsType");
        options = List.copyOf(options);
    }

    /** True when the option is present exactly ({@code nobarrier}, {@code barrier=0}). */
    public boolean hasOption(String option) {
        return options.contains(option);
    }

    static List<Mount> readAll(FactRoot root) {
        List<Mount> mounts = new ArrayList<>();
        String text = root.read("/proc/mounts").orElse("");
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 4) {
                root.problem("/proc/mounts line " + lineNumber + ": expected at least 4 fields, found "
                        + fields.length);
                continue;
            }
            mounts.add(new Mount(unescape(fields[0]), unescape(fields[1]), fields[2],
                    Arrays.asList(fields[3].split(","))));
        }
        return mounts;
    }

    /** Decodes the kernel's octal escapes ({@code \040} for a space). */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\\' && isOctal(bytes, i + 1)) {
                out.write(((bytes[i + 1] - '0') << 6 | (bytes[i + 2] - '0') << 3 | (bytes[i + 3] - '0')) & 0xff);
                i += 3;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean isOctal(byte[] bytes, int from) {
        if (from + 2 >= bytes.length) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (bytes[i] < '0' || bytes[i] > '7') {
                return false;
            }
        }
        return true;
    }
}
