package dev.jvirtio.tune.plan;

import java.util.Objects;

/**
 * A kernel setting written at runtime: a file under {@code /proc/sys}, {@code /sys} or a cgroup
 * directory, such as {@code /proc/sys/vm/swappiness} or {@code /sys/block/sda/queue/scheduler}.
 *
 * @param rule    the practice ID it fixes
 * @param subject {@code "host"}
 * @param path    the setting's file as a path on the machine
 * @param from    the value in effect when planned: the file's text, trimmed, or for a selector
 *                file such as {@code [mq-deadline] none} the selected word
 * @param value   what is written to the file ({@code none}, {@code 10}, {@code 2500 10000})
 * @param shown   the file's whole text once the kernel took the value, as the kernel shows it
 *                ({@code mq-deadline [none]}); apply compares it with what it reads back
 */
public record SettingWrite(String rule, String subject, String path, String from, String value, String shown)
        implements Change {

    public SettingWrite {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(shown, "shown");
    }

    @Override
    public String target() {
        return path;
    }

    @Override
    public String kind() {
        return path.startsWith("/proc/") ? "procfs" : path.startsWith("/sys/fs/cgroup") ? "cgroup" : "sysfs";
    }

    @Override
    public String to() {
        return value;
    }
}
