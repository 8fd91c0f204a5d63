package dev.jvirtio.tune.plan;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A configuration file written whole (created when absent): a sysctl.d drop-in, a udev rule, a
 * tmpfiles.d drop-in.
 *
 * @param rule    the practice ID it fixes
 * @param subject {@code "host"}
 * @param purpose what the file is for
 * @param path    the file as a path on the machine ({@code /etc/sysctl.d/90-jvirtio-swappiness.conf})
 * @param before  the content it had when planned; empty when it did not exist
 * @param after   the content it gets
 */
public record FileWrite(String rule, String subject, FileKind purpose, String path, Optional<byte[]> before, byte[] after)
        implements Change {

    public FileWrite {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(path, "path");
        before = before.map(byte[]::clone);
        after = after.clone();
    }

    @Override
    public Optional<byte[]> before() {
        return before.map(byte[]::clone);
    }

    @Override
    public byte[] after() {
        return after.clone();
    }

    @Override
    public String target() {
        return path;
    }

    @Override
    public String kind() {
        return purpose.label();
    }

    /** {@code "(no file)"}, or how many lines the file had; {@link #diff()} shows them. */
    @Override
    public String from() {
        return before.map(b -> lines(b) + " lines").orElse("(no file)");
    }

    /** How many lines the file gets; {@link #diff()} shows them. */
    @Override
    public String to() {
        return lines(after) + " lines";
    }

    /** The text before, {@code ""} when there was no file. */
    public String beforeText() {
        return before.map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    }

    /** The text after. */
    public String afterText() {
        return new String(after, StandardCharsets.UTF_8);
    }

    @Override
    public List<String> diff() {
        return LineDiff.unified(beforeText(), afterText(), 1);
    }

    private static long lines(byte[] content) {
        return new String(content, StandardCharsets.UTF_8).lines().count();
    }
}
