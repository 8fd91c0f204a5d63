package dev.jvirtio.blk.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CacheModeTest {

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    void everyQemuNameParsesInAnyCase(CacheMode mode) {
        assertThat(CacheMode.parse(mode.qemuName())).isEqualTo(mode);
        assertThat(CacheMode.parse(" " + mode.qemuName().toUpperCase(Locale.ROOT) + "\n")).isEqualTo(mode);
        assertThat(mode.toString()).isEqualTo(mode.qemuName());
    }

    @Test
    void theModesMeanWhatQemuMeans() {
        // QEMU's table: cache.direct, cache.no-flush and the guest-visible write cache per mode.
        assertMode(CacheMode.NONE, "none", true, false, true, true);
        assertMode(CacheMode.WRITEBACK, "writeback", false, false, true, true);
        assertMode(CacheMode.WRITETHROUGH, "writethrough", false, true, true, false);
        assertMode(CacheMode.DIRECTSYNC, "directsync", true, true, true, false);
        assertMode(CacheMode.UNSAFE, "unsafe", false, false, false, true);
    }

    @Test
    void anUnknownNameListsTheValidOnes() {
        assertThatThrownBy(() -> CacheMode.parse("fast"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown cache mode 'fast'; expected one of none, writeback, writethrough, directsync, unsafe");
    }

    private static void assertMode(CacheMode mode, String name, boolean direct, boolean syncEveryWrite,
            boolean honoursFlush, boolean writeback) {
        assertThat(mode.qemuName()).isEqualTo(name);
        assertThat(mode.direct()).as("%s direct", name).isEqualTo(direct);
        assertThat(mode.syncEveryWrite()).as("%s syncs every write", name).isEqualTo(syncEveryWrite);
        assertThat(mode.honoursFlush()).as("%s honours flush", name).isEqualTo(honoursFlush);
        assertThat(mode.writeback()).as("%s writeback bit", name).isEqualTo(writeback);
    }
}
