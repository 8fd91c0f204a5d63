package dev.jvirtio.tune.apply;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Which files apply writes in place as kernel settings, read without writing anything. */
class KernelFilesTest {

    @TempDir
    Path dir;

    @Test
    void procfs_and_sysfs_files_are_kernel_settings_and_a_copied_tree_is_not() throws Exception {
        Path copy = Files.writeString(dir.resolve("swappiness"), "60\n");

        assertThat(KernelFiles.isKernel(Path.of("/proc/sys/vm/swappiness"))).isTrue();
        assertThat(KernelFiles.isKernel(Path.of("/sys/kernel/mm"))).isTrue();
        assertThat(KernelFiles.isKernel(copy)).isFalse();
        assertThat(KernelFiles.isKernel(dir.resolve("not/yet/there"))).isFalse();
    }

    @Test
    void the_value_of_a_selector_file_is_its_bracketed_choice() {
        assertThat(KernelFiles.value("mq-deadline kyber [bfq] none\n")).isEqualTo("bfq");
        assertThat(KernelFiles.value("always [madvise] never")).isEqualTo("madvise");
        assertThat(KernelFiles.value("  25000 100000\n")).isEqualTo("25000 100000");
        assertThat(KernelFiles.value("[]")).isEqualTo("[]");
    }
}
