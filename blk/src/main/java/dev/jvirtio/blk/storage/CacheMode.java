package dev.jvirtio.blk.storage;

import dev.jvirtio.linux.OpenFlag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How writes travel between the guest and the disk: QEMU's {@code cache=} modes with QEMU's
 * meaning. Two host-side switches make them up (bypass the host page cache with {@code O_DIRECT};
 * sync every write with {@code O_DSYNC}) plus whether guest flushes reach the disk. The guest sees
 * a volatile write cache ({@link #writeback()}) in every mode except the two that sync each write.
 */
public enum CacheMode {

    /**
     * {@code O_DIRECT}, bypassing the host page cache; a guest flush is {@code fdatasync}. The
     * guest sees a write cache (the disk's own). The recommended mode for VMs (STO-CACHE).
     */
    NONE("none", true, false, true),

    /**
     * The host page cache holds writes; a guest flush is {@code fdatasync}. The guest sees a write
     * cache and must flush for durability, as with a disk that has one.
     */
    WRITEBACK("writeback", false, false, true),

    /**
     * The host page cache serves reads; every write is synced ({@code O_DSYNC}) before it
     * completes. The guest sees no write cache.
     */
    WRITETHROUGH("writethrough", false, true, true),

    /**
     * {@code O_DIRECT} and {@code O_DSYNC}: no host caching and every write synced. The guest sees
     * no write cache.
     */
    DIRECTSYNC("directsync", true, true, true),

    /**
     * Like {@link #WRITEBACK} but guest flushes are ignored: fast, and a host crash loses data.
     * For throw-away guests and installs only.
     */
    UNSAFE("unsafe", false, false, false);

    private final String qemuName;
    private final boolean direct;
    private final boolean syncEveryWrite;
    private final boolean honoursFlush;

    CacheMode(String qemuName, boolean direct, boolean syncEveryWrite, boolean honoursFlush) {
        this.qemuName = qemuName;
        this.direct = direct;
        this.syncEveryWrite = syncEveryWrite;
        this.honoursFlush = honoursFlush;
    }

    /**
     * The mode named as in QEMU's {@code cache=} option, ignoring case and surrounding blanks.
     *
     * @throws IllegalArgumentException naming the text and the valid names if it is not one
     */
    public static CacheMode parse(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (CacheMode mode : values()) {
            if (mode.qemuName.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown cache mode '" + name + "'; expected one of "
                + Arrays.stream(values()).map(CacheMode::qemuName).collect(Collectors.joining(", ")));
    }

    /** The name QEMU's {@code cache=} option uses, such as "none". */
    public String qemuName() {
        return qemuName;
    }

    /** Whether the file is opened {@code O_DIRECT}, bypassing the host page cache. */
    public boolean direct() {
        return direct;
    }

    /** Whether every write is synced before it completes ({@code O_DSYNC}). */
    public boolean syncEveryWrite() {
        return syncEveryWrite;
    }

    /** Whether a guest flush syncs the storage ({@code fdatasync}); false only for {@link #UNSAFE}. */
    public boolean honoursFlush() {
        return honoursFlush;
    }

    /**
     * The flags that open a storage's file in this mode: {@link OpenFlag#WRITE} unless
     * {@code readOnly}, {@link OpenFlag#DIRECT} in the O_DIRECT modes, and {@link OpenFlag#DSYNC}
     * for a writable file in the modes that sync every write.
     */
    public OpenFlag[] openFlags(boolean readOnly) {
        List<OpenFlag> flags = new ArrayList<>();
        if (!readOnly) {
            flags.add(OpenFlag.WRITE);
        }
        if (direct) {
            flags.add(OpenFlag.DIRECT);
        }
        if (syncEveryWrite && !readOnly) {
            flags.add(OpenFlag.DSYNC);
        }
        return flags.toArray(OpenFlag[]::new);
    }

    /**
     * The virtio-blk {@code writeback} bit: whether the guest sees a volatile write cache that it
     * must flush. True for none, writeback and unsafe; false for writethrough and directsync, as
     * in QEMU.
     */
    public boolean writeback() {
        return !syncEveryWrite;
    }

    @Override
    public String toString() {
        return qemuName;
    }
}
