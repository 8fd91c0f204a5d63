package dev.jvirtio.tune.host;

import dev.jvirtio.tune.fixture.TestRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading the machine's facts from trees: the fixtures, and small trees a test writes itself. */
class HostFactsTest {

    @TempDir
    Path dir;

    @Test
    void a_two_socket_smt_host_shows_its_sockets_siblings_nodes_and_caches() throws IOException {
        Path tree = TestRoot.fixture("numa-host");
        HostFacts facts = TestRoot.copyOf("numa-host", dir).facts();

        int cpuDirs = count(tree.resolve("sys/devices/system/cpu"), "cpu\\d+");
        int nodeDirs = count(tree.resolve("sys/devices/system/node"), "node\\d+");
        assertThat(facts.cpu().cpus()).hasSize(cpuDirs);
        assertThat(facts.cpu().sockets()).isEqualTo(2);
        assertThat(facts.cpu().smt()).isTrue();
        assertThat(facts.nodes()).hasSize(nodeDirs);
        assertThat(facts.numa()).isTrue();
        assertThat(facts.cpu().lastLevelCaches()).hasSize(2)
                .allSatisfy(cache -> assertThat(facts.nodesOf(cache.cpus())).hasSize(1));
        for (Cpu cpu : facts.cpu().cpus()) {
            assertThat(cpu.threadSiblings().contains(cpu.id())).isTrue();
            assertThat(facts.nodesOf(cpu.threadSiblings())).hasSize(1);
        }
        assertThat(facts.virtualization().insideGuest()).isFalse();
        assertThat(facts.problems()).isEmpty();
        assertThat(facts.describe()).startsWith("host, " + cpuDirs + " CPUs (2 sockets, SMT), " + nodeDirs
                + " NUMA nodes");
    }

    @Test
    void vm_cgroups_are_found_under_machine_slice_in_both_hierarchies() {
        HostFacts v2 = TestRoot.copyOf("numa-host", dir).facts();
        HostFacts v1 = TestRoot.copyOf("small-host", dir).facts();

        assertThat(v2.vmCgroups()).extracting(VmCgroup::guestName).containsExactly("web", "db", "batch");
        assertThat(v2.vmCgroups()).allSatisfy(group -> assertThat(group.cpu().version()).isEqualTo(2));
        assertThat(v2.vmCgroups().get(2).vcpus()).extracting(CgroupCpu::name).containsExactly("vcpu0", "vcpu1");
        assertThat(v1.vmCgroups()).singleElement().satisfies(group -> {
            assertThat(group.cpu().version()).isEqualTo(1);
            assertThat(group.guestName()).isEqualTo("legacy");
            assertThat(group.cpu().limited()).isTrue();
        });
    }

    @Test
    void cgroup_v2_limits_and_v1_unlimited_quotas_read_as_the_kernel_means_them() {
        TestRoot root = TestRoot.empty(dir)
                .write("/proc/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"
                        + "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n")
                .write("/sys/fs/cgroup/machine.slice/machine-qemu\\x2d7\\x2dmy\\x2dvm.scope/cpu.max", "150000 100000\n")
                .write("/sys/fs/cgroup/cpu,cpuacct/machine/qemu-3-old.libvirt-qemu/cpu.cfs_quota_us", "-1\n")
                .write("/sys/fs/cgroup/cpu,cpuacct/machine/qemu-3-old.libvirt-qemu/cpu.cfs_period_us", "100000\n");

        List<VmCgroup> groups = root.facts().vmCgroups();

        assertThat(groups).extracting(VmCgroup::guestName).containsExactly("my-vm", "old");
        assertThat(groups.get(0).cpu().cpus()).isEqualTo(1.5);
        assertThat(groups.get(1).cpu().limited()).isFalse();
    }

    @Test
    void block_devices_tell_their_transport_from_the_sysfs_path_and_driver() {
        TestRoot root = TestRoot.empty(dir);
        root.write("/sys/block/vda/queue/scheduler", "none [mq-deadline]\n")
                .link("/sys/block/vda", "../devices/pci0000:00/0000:00:02.0/virtio1/block/vda")
                .link("/sys/block/vda/device/driver", "../../../../bus/virtio/drivers/virtio_blk")
                .write("/sys/block/sda/queue/scheduler", "[none]\n")
                .link("/sys/block/sda", "../devices/pci0000:00/0000:00:03.0/virtio2/host0/target0:0:0/0:0:0:0/block/sda")
                .write("/sys/block/sdb/queue/scheduler", "[none]\n")
                .link("/sys/block/sdb", "../devices/pci0000:00/0000:00:1f.2/ata1/host1/target1:0:0/1:0:0:0/block/sdb")
                .write("/sys/block/loop0/queue/scheduler", "[none]\n")
                .link("/sys/block/loop0", "../devices/virtual/block/loop0");

        List<BlockDevice> devices = root.facts().blockDevices();

        assertThat(devices).extracting(BlockDevice::name, BlockDevice::transport).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("vda", "virtio_blk"),
                org.assertj.core.groups.Tuple.tuple("sda", "virtio_scsi"),
                org.assertj.core.groups.Tuple.tuple("sdb", "ata"),
                org.assertj.core.groups.Tuple.tuple("loop0", "virtual"));
        assertThat(devices).filteredOn(d -> d.name().equals("vda")).singleElement()
                .satisfies(d -> assertThat(d.scheduler()).hasValue("mq-deadline"));
    }

    @Test
    void a_qemu_process_is_found_by_its_argv0_with_its_vcpu_threads_and_cgroup() {
        TestRoot root = TestRoot.empty(dir)
                .write("/proc/300/cmdline", "/usr/bin/qemu-system-x86_64\0-name\0guest=vm1\0")
                .write("/proc/300/cgroup", "0::/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator\n")
                .write("/proc/300/task/300/comm", "qemu-system-x86\n")
                .write("/proc/300/task/301/comm", "CPU 0/KVM\n")
                .write("/proc/300/task/301/status", "Name:\tCPU 0/KVM\nCpus_allowed_list:\t4\n")
                .write("/proc/400/cmdline", "/usr/bin/python3\0qemu-system-x86_64\0")
                .write("/proc/self/cmdline", "qemu-kvm\0");

        List<QemuProcess> processes = root.facts().qemuProcesses();

        assertThat(processes).singleElement().satisfies(p -> {
            assertThat(p.pid()).isEqualTo(300);
            assertThat(p.argv()).containsExactly("/usr/bin/qemu-system-x86_64", "-name", "guest=vm1");
            assertThat(p.vcpuThreads()).singleElement().satisfies(t -> {
                assertThat(t.vcpu()).isZero();
                assertThat(t.cpusAllowed()).isEqualTo("4");
            });
            assertThat(p.cgroups()).containsExactly("2:/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator");
        });
    }

    @Test
    void inside_a_guest_the_hypervisor_flag_or_the_firmware_says_so() {
        HostFacts captured = TestRoot.copyOf("kvm-guest", dir.resolve("a")).facts();
        HostFacts dmiOnly = TestRoot.empty(dir.resolve("b"))
                .write("/sys/class/dmi/id/sys_vendor", "QEMU\n")
                .write("/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n").facts();
        HostFacts metal = TestRoot.copyOf("small-host", dir.resolve("c")).facts();

        assertThat(captured.virtualization().insideGuest()).isTrue();
        assertThat(captured.virtualization().evidence()).contains("hypervisor");
        assertThat(dmiOnly.virtualization().insideGuest()).isTrue();
        assertThat(dmiOnly.virtualization().evidence()).contains("QEMU");
        assertThat(metal.virtualization().insideGuest()).isFalse();
    }

    @Test
    void mounts_decode_octal_escapes_and_keep_their_options() {
        HostFacts facts = TestRoot.empty(dir)
                .write("/proc/mounts", "/dev/sdb1 /srv/vm\\040images ext4 rw,nobarrier 0 0\nbroken-line\n").facts();

        assertThat(facts.mounts()).singleElement().satisfies(m -> {
            assertThat(m.mountPoint()).isEqualTo("/srv/vm images");
            assertThat(m.hasOption("nobarrier")).isTrue();
        });
        assertThat(facts.problems()).singleElement().asString().contains("/proc/mounts line 2");
    }

    @Test
    void offloads_come_from_a_captured_ethtool_file_with_fixed_features_marked() {
        HostFacts facts = TestRoot.empty(dir)
                .write("/sys/class/net/eth0/operstate", "up\n")
                .link("/sys/class/net/eth0/device/driver", "../../../../bus/virtio/drivers/virtio_net")
                .write("/ethtool/eth0.txt", "Features for eth0:\ntcp-segmentation-offload: off\n"
                        + "large-receive-offload: off [fixed]\n\ttx-tcp-segmentation: off\n").facts();

        assertThat(facts.netDevices()).singleElement().satisfies(n -> {
            assertThat(n.driver()).isEqualTo("virtio_net");
            assertThat(n.offload("tcp-segmentation-offload")).hasValue("off");
            assertThat(n.offload("large-receive-offload")).hasValue("off [fixed]");
            assertThat(n.offloadSource()).isEqualTo("/ethtool/eth0.txt");
        });
    }

    private static int count(Path dir, String regex) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return (int) entries.filter(p -> p.getFileName().toString().matches(regex)).count();
        }
    }
}
