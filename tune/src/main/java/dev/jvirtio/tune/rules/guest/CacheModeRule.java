package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/** STO-CACHE: disks use cache=none with io=native or io_uring; cache=unsafe is a data risk. */
public final class CacheModeRule extends GuestRule {

    public CacheModeRule() {
        super("STO-CACHE", "STO", "Disks use cache=none with native or io_uring I/O", Severity.WARN,
                "cache='none' (or directsync) and io='native' or io='io_uring'",
                "With any cache mode but none/directsync the host page cache holds a second copy of what the"
                        + " guest already caches, costing host memory and a copy per I/O, and io=native needs O_DIRECT"
                        + " to be asynchronous. cache=unsafe ignores the guest's flushes, so a host crash loses data"
                        + " the guest believes is on disk. The 2020 advice (use none) holds; io_uring is today's"
                        + " alternative to native.",
                """
                STO-CACHE: the disk cache mode

                The text: pick the right cache mode. Host and guest both have page caches in the file
                system and block layers; the guest's cannot be controlled, the host's can. The disk
                write cache sits at the hypervisor layer. Of the modes, use none.

                Today: QEMU's modes combine three switches. none = O_DIRECT (cache.direct=on) with the
                guest seeing a write-back disk cache that it flushes; directsync = O_DIRECT and every
                write synchronous; writeback (the default) and writethrough go through the host page
                cache; unsafe also drops the guest's flushes. none is right for nearly every guest: no
                double caching, host memory stays predictable, and io='native' (Linux AIO) only works
                asynchronously on O_DIRECT files. io='io_uring' (QEMU 5.0, Linux 5.1) is the newer
                interface and works with every mode; io='threads' (the default) hands each request to
                a worker thread.

                The audit flags every disk whose cache is not none/directsync or whose io is neither
                native nor io_uring; cache=unsafe is reported as a data risk. vhost-user and network
                disks are left to their back-end.
                """);
    }

    @Override
    Finding judge(Guest guest, AuditContext context) {
        List<String> bad = new ArrayList<>();
        List<String> good = new ArrayList<>();
        boolean unsafe = false;
        for (int i = 0; i < guest.disks().size(); i++) {
            Disk d = guest.disks().get(i);
            if (d.removable() || d.sourceType().equals("vhostuser") || d.sourceType().equals("network")) {
                continue;
            }
            String cache = d.cache().isEmpty() ? "writeback (default)" : d.cache();
            String io = d.io().isEmpty() ? "threads (default)" : d.io();
            String text = label(d, i) + ": cache=" + cache + " io=" + io;
            boolean direct = d.cache().equals("none") || d.cache().equals("directsync");
            boolean asyncIo = d.io().equals("native") || d.io().equals("io_uring");
            if (d.cache().equals("unsafe")) {
                unsafe = true;
                bad.add(text + " (flushes ignored: data loss on host crash)");
            } else if (!direct || !asyncIo) {
                bad.add(text);
            } else {
                good.add(text);
            }
        }
        if (bad.isEmpty() && good.isEmpty()) {
            return notApplicable(guest, "the guest has no local data disks");
        }
        if (bad.isEmpty()) {
            return pass(guest, String.join("; ", good));
        }
        String fix = libvirt(guest)
                ? "<driver name='qemu' type='raw' cache='none' io='native'/>  (in each <disk>; io='io_uring' also fits)"
                : "-blockdev driver=file,node-name=f0,filename=IMAGE,cache.direct=on,aio=native"
                        + "  (or -drive ...,cache=none,aio=native)";
        return fail(guest, unsafe ? Severity.RISK : Severity.WARN, String.join("; ", bad), fix);
    }
}
