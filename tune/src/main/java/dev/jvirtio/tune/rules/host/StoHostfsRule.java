package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.Mount;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;

import java.util.List;
import java.util.Set;

/**
 * STO-HOSTFS: no file system may be mounted with write barriers off ({@code nobarrier},
 * {@code barrier=0}): a power loss can then corrupt it and the guest images on it.
 */
public final class StoHostfsRule implements Rule {

    /** Local, journalling file systems that honour barrier options. */
    static final Set<String> DISK_FILESYSTEMS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "reiserfs", "jfs",
            "f2fs", "ocfs2", "gfs2", "nilfs2");

    private static final String REASON = "Write barriers (cache flushes) make the journal reach stable storage "
            + "before the data that depends on it; without them a power loss can leave the file system and every "
            + "guest image on it corrupt. The 2020 text advised ext3 over ext4 because ext4's barriers cost "
            + "performance; today flushes are cheap on SSDs and battery-backed controllers, XFS has removed "
            + "nobarrier (Linux 4.19), and on ext4 it is a data-loss risk.";

    private static final RuleInfo INFO = new RuleInfo("STO-HOSTFS", "STO", "Write barriers on", Severity.RISK, """
            STO-HOSTFS: Write barriers on

            The 2020 text: put the host on ext3, because ext4's barriers cost performance.

            Today: that advice dates from ext3's default of barriers off (barrier=0), which was fast because it \
            was unsafe: the journal could reach the platter after the metadata it protects, and a power cut \
            corrupted the file system. ext4 turned barriers on by default. Since then disks and the block layer \
            have made flushes cheap (write-back caches with FUA, SSDs, battery-backed RAID caches that ignore \
            flushes safely), XFS deprecated nobarrier in 4.10 and removed it in 4.19, and the remaining ways to \
            turn barriers off (ext4 nobarrier / barrier=0, btrfs nobarrier) are a data-loss risk for every guest \
            image stored there. A guest that uses cache=none relies on the host honouring its flushes.

            What jvirtio checks: every mount in /proc/mounts for nobarrier, barrier=0 or barrier=off.

            Fix: remount with barriers (mount -o remount,barrier MOUNTPOINT; for ext4 barrier=1) and remove the \
            option from /etc/fstab. If flushes are slow, look at the disk's write cache and the controller instead.""");

    @Override
    public RuleInfo info() {
        return INFO;
    }

    @Override
    public List<Finding> evaluate(AuditContext context) {
        HostFacts host = context.host();
        String expected = "no mount with nobarrier or barrier=0";
        if (host.mounts().isEmpty()) {
            return List.of(INFO.notApplicable(AuditContext.HOST, "/proc/mounts could not be read", expected, REASON));
        }
        List<Mount> unsafe = host.mounts().stream().filter(m -> m.hasOption("nobarrier") || m.hasOption("barrier=0")
                || m.hasOption("barrier=off")).toList();
        List<Mount> local = host.mounts().stream().filter(m -> DISK_FILESYSTEMS.contains(m.fsType())).toList();
        if (unsafe.isEmpty()) {
            return List.of(INFO.pass(AuditContext.HOST, local.isEmpty() ? "no disk file system mounted"
                    : "barriers on for " + String.join(", ", local.stream().map(m -> m.mountPoint() + " ("
                    + m.fsType() + ")").toList()), expected, REASON));
        }
        String found = "barriers off: " + String.join(", ", unsafe.stream().map(m -> m.mountPoint() + " ("
                + m.fsType() + " on " + m.device() + ", " + String.join(",", m.options().stream()
                .filter(o -> o.contains("barrier")).toList()) + ")").toList());
        String fix = String.join("\n", unsafe.stream().map(m -> "mount -o remount,"
                + (m.fsType().equals("ext4") || m.fsType().equals("ext3") ? "barrier=1" : "barrier") + " "
                + Shell.quote(m.mountPoint()) + "   # and drop the option from /etc/fstab").toList());
        return List.of(INFO.fail(AuditContext.HOST, found, expected, REASON, fix));
    }
}
