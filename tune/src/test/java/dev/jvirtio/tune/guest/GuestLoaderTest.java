package dev.jvirtio.tune.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestLoaderTest {

    @Test
    void aLibvirtLogStyleCommandLineWithQuotedJsonAndContinuationsReadsFully() throws Exception {
        Guest g = GuestLoader.fromQemuCmdlineFile(Fixtures.guest("modern.cmdline"));
        assertThat(g.name()).isEqualTo("modern");
        assertThat(g.vcpus()).isEqualTo(4);
        assertThat(g.memoryKiB()).isEqualTo(8L << 20);
        assertThat(g.iothreads()).isEqualTo(2);
        assertThat(g.memory()).isEqualTo(new MemoryBacking(true, 2048, "0", "memfd", true, false));
        assertThat(g.numatune()).isEqualTo(new NumaTune("strict", "0"));
        assertThat(g.disks()).containsExactly(
                new Disk("vda", "virtio", "qcow2", "none", "native", "iothread1", "file",
                        "/var/lib/libvirt/images/modern root.qcow2", "disk", 4),
                new Disk("sda", "scsi", "raw", "none", "io_uring", "iothread2", "block", "/dev/vg0/modern-data", "disk", 4),
                new Disk("vdb", "vhost-user", "raw", "", "", "", "vhostuser", "/run/jvirtio/blk0.sock", "disk", 4));
        assertThat(g.nics()).containsExactly(new Nic("virtio", "tap", true, 4, ""));
        assertThat(g.balloon()).isEqualTo(new Balloon("virtio", true, 0, false));
        assertThat(g.hostDevices()).containsExactly("0000:06:00.0");
        assertThat(g.legacyOptions()).isEmpty();
        assertThat(g.problems()).isEmpty();
    }

    @Test
    void theLegacyFixtureRecordsItsLegacyOptions() throws Exception {
        Guest g = GuestLoader.fromQemuCmdlineFile(Fixtures.guest("legacy.cmdline"));
        assertThat(g.name()).isEqualTo("legacy");
        assertThat(g.legacyOptions()).hasSize(5);
        assertThat(g.disks()).extracting(Disk::target).containsExactly("vda", "hdb");
    }

    @Test
    void anUnclosedQuoteInACommandLineFileIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("broken.cmdline");
        Files.writeString(f, "qemu-system-x86_64 -name 'broken\n");
        assertThatThrownBy(() -> GuestLoader.fromQemuCmdlineFile(f)).isInstanceOf(GuestConfigException.class)
                .hasMessage("QEMU command line file " + f
                        + " cannot be split into words: unterminated single quote opened on line 1.");
    }

    @Test
    void aFileOfOnlyEnvironmentAssignmentsHoldsNoCommand(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("env.cmdline");
        Files.writeString(f, "LC_ALL=C HOME=/root\n");
        assertThatThrownBy(() -> GuestLoader.fromQemuCmdlineFile(f)).hasMessageEndingWith("holds no command.");
    }

    @Test
    void runningProcessesAreReadInPidOrderAndNamedByPidWithoutName() {
        List<Guest> guests = GuestLoader.fromProcessCmdlines(Map.of(
                300, List.of("/usr/bin/qemu-system-x86_64", "-name", "guest=web,debug-threads=on"),
                20, List.of("/usr/bin/qemu-system-x86_64", "-m", "1G")));
        assertThat(guests).extracting(Guest::name, Guest::source).containsExactly(
                org.assertj.core.groups.Tuple.tuple("qemu-20", "pid 20"),
                org.assertj.core.groups.Tuple.tuple("web", "pid 300"));
    }

    @Test
    void libvirtsTestDriverServesItsDefaultDomain() throws Exception {
        List<Guest> guests = GuestLoader.fromLibvirt("test:///default");
        assertThat(guests).extracting(Guest::name).containsExactly("test");
        Guest test = guests.get(0);
        assertThat(test.source()).isEqualTo("libvirt:test:///default");
        assertThat(test.vcpus()).isPositive();
        assertThat(test.disks()).isNotEmpty();
    }

    @Test
    void aLibvirtUriThatDoesNotAnswerIsNamed(@TempDir Path dir) {
        String uri = "qemu+unix:///system?socket=" + dir.resolve("no-daemon.sock");
        assertThatThrownBy(() -> GuestLoader.fromLibvirt(uri)).isInstanceOf(GuestConfigException.class)
                .hasMessageStartingWith("Cannot connect to libvirt at " + uri + ": ");
    }
}
