package dev.jvirtio.tune.plan;

/** What a file written by a plan is for: each makes a runtime setting persist across reboots. */
public enum FileKind {
    /** {@code /etc/sysctl.d/*.conf}, read by systemd-sysctl at boot. */
    SYSCTL_DROP_IN("sysctl.d drop-in"),
    /** {@code /etc/udev/rules.d/*.rules}, applied as devices appear. */
    UDEV_RULE("udev rule"),
    /** {@code /etc/tmpfiles.d/*.conf}: {@code w} lines write sysfs values at boot. */
    TMPFILES_DROP_IN("tmpfiles.d drop-in");

    private final String label;

    FileKind(String label) {
        this.label = label;
    }

    /** How the kind is named in plans. */
    public String label() {
        return label;
    }
}
