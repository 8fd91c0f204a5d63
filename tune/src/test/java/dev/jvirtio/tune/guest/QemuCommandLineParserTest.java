package dev.jvirtio.tune.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandLineParserTest {

    private static Guest parse(String... words) {
        List<String> argv = new ArrayList<>();
        argv.add("qemu-system-x86_64");
        argv.addAll(Arrays.asList(words));
        return QemuCommandLineParser.parse(argv, "/tmp/guest.cmdline");
    }

    @Test
    void theLegacyCommandLineOfThe2020TextMapsOntoTheModel() {
        Guest g = parse("-enable-kvm", "-m", "2048", "-balloon", "virtio", "-drive", "file=img.qcow2,if=virtio",
                "-net", "nic,model=virtio", "-net", "tap,ifname=tap0,script=no,downscript=no");
        assertThat(g.memoryKiB()).isEqualTo(2048L * 1024);
        assertThat(g.balloon()).isEqualTo(Balloon.of("virtio"));
        assertThat(g.disks()).singleElement().satisfies(d -> {
            assertThat(d.bus()).isEqualTo("virtio");
            assertThat(d.path()).isEqualTo("img.qcow2");
            assertThat(d.format()).as("no format= means QEMU probes").isEqualTo("unknown");
            assertThat(d.target()).isEqualTo("vda");
        });
        assertThat(g.nics()).containsExactly(new Nic("virtio", "tap", false, 0, "tap0"));
        assertThat(g.legacyOptions()).containsExactly("-balloon virtio", "-drive file=img.qcow2,if=virtio",
                "-net nic,model=virtio", "-net tap,ifname=tap0,script=no,downscript=no");
        assertThat(g.problems()).isEmpty();
    }

    @Test
    void hdaAndAPositionalImageAreLegacyIdeDisks() {
        Guest g = parse("disk0.img", "-hdc", "/images/c,d.img", "-cdrom", "install.iso");
        assertThat(g.disks()).extracting(Disk::target, Disk::bus, Disk::path, Disk::device).containsExactly(
                org.assertj.core.groups.Tuple.tuple("hda", "ide", "disk0.img", "disk"),
                org.assertj.core.groups.Tuple.tuple("hdc", "ide", "/images/c,d.img", "disk"),
                org.assertj.core.groups.Tuple.tuple("hdc", "ide", "install.iso", "cdrom"));
        assertThat(g.legacyOptions()).containsExactly("disk0.img", "-hdc /images/c,d.img");
    }

    @Test
    void aDriveWithoutABusIsDeclaredOnAnExplicitDeviceAndKeepsItsCacheAndAio() {
        Guest g = parse("-drive", "if=none,id=d0,file=/dev/vg/root,format=raw,cache=none,aio=native",
                "-object", "iothread,id=io0", "-device", "virtio-blk-pci,drive=d0,iothread=io0,num-queues=2");
        assertThat(g.disks()).singleElement().isEqualTo(
                new Disk("vda", "virtio", "raw", "none", "native", "io0", "block", "/dev/vg/root", "disk", 2));
        assertThat(g.iothreads()).isEqualTo(1);
        assertThat(g.legacyOptions()).isEmpty();
    }

    @Test
    void blockdevWithAnInlineFileChildGivesFormatPathCacheAndAio() {
        Guest g = parse("-blockdev",
                "driver=qcow2,node-name=d0,file.driver=file,file.filename=/i/a.qcow2,file.aio=io_uring,file.cache.direct=on",
                "-device", "virtio-blk-pci,drive=d0");
        Disk d = g.disks().get(0);
        assertThat(d.format()).isEqualTo("qcow2");
        assertThat(d.path()).isEqualTo("/i/a.qcow2");
        assertThat(d.io()).isEqualTo("io_uring");
        assertThat(d.cache()).isEqualTo("none");
    }

    @Test
    void cacheModeFollowsDirectNoFlushAndTheDevicesWriteCache() {
        String file = "driver=file,node-name=f,filename=/i/a.raw";
        assertThat(parse("-blockdev", file + ",cache.direct=on", "-device", "virtio-blk-pci,drive=f,write-cache=off")
                .disks().get(0).cache()).isEqualTo("directsync");
        assertThat(parse("-blockdev", file, "-device", "virtio-blk-pci,drive=f").disks().get(0).cache())
                .isEqualTo("writeback");
        assertThat(parse("-blockdev", file + ",cache.no-flush=on", "-device", "virtio-blk-pci,drive=f")
                .disks().get(0).cache()).isEqualTo("unsafe");
        assertThat(parse("-blockdev", file, "-device", "virtio-blk-pci,drive=f").disks().get(0).format())
                .as("a device on a protocol node reads raw bytes").isEqualTo("raw");
    }

    @Test
    void ideDevicesOnQ35AreSataAndScsiDisksTakeTheirControllersIothread() {
        Guest g = parse("-machine", "q35", "-object", "iothread,id=io1",
                "-drive", "if=none,id=a,file=a.raw,format=raw", "-device", "ide-hd,drive=a,bus=ide.0",
                "-drive", "if=none,id=b,file=b.raw,format=raw", "-device", "virtio-scsi-pci,id=scsi0,iothread=io1",
                "-device", "scsi-hd,bus=scsi0.0,drive=b");
        assertThat(g.disks()).extracting(Disk::bus, Disk::iothread, Disk::target)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("sata", "", "sda"),
                        org.assertj.core.groups.Tuple.tuple("scsi", "io1", "sdb"));
    }

    @Test
    void anEmulatedScsiControllerIsNotedAsAProblem() {
        Guest g = parse("-drive", "if=none,id=b,file=b.raw,format=raw", "-device", "lsi53c895a,id=lsi",
                "-device", "scsi-hd,bus=lsi.0,drive=b");
        assertThat(g.problems()).anySatisfy(p -> assertThat(p).contains("lsi53c895a").contains("emulated"));
    }

    @Test
    void netdevsPairWithTheirDevicesAndMultiqueueNeedsMq() {
        Guest g = parse("-netdev", "tap,id=n0,ifname=tap7,vhost=on,queues=4",
                "-device", "virtio-net-pci,netdev=n0,mq=on",
                "-netdev", "user,id=n1", "-device", "e1000,netdev=n1",
                "-chardev", "socket,id=c0,path=/run/sw.sock", "-netdev", "vhost-user,id=n2,chardev=c0",
                "-device", "virtio-net-pci,netdev=n2",
                "-netdev", "tap,id=n3,queues=2", "-device", "virtio-net-pci,netdev=n3");
        assertThat(g.nics()).containsExactly(new Nic("virtio", "tap", true, 4, "tap7"),
                new Nic("e1000", "user", false, 0, ""), new Nic("virtio", "vhostuser", false, 0, ""),
                new Nic("virtio", "tap", false, 1, ""));
        assertThat(g.problems()).singleElement().satisfies(p -> assertThat(p).contains("n3").contains("mq=on"));
    }

    @Test
    void nicShorthandNamesBackendAndModel() {
        Guest g = parse("-nic", "user,model=virtio-net-pci");
        assertThat(g.nics()).containsExactly(new Nic("virtio", "user", false, 0, ""));
        assertThat(g.legacyOptions()).isEmpty();
    }

    @Test
    void withoutNetworkOptionsQemuAddsItsDefaultNicUnlessNodefaults() {
        Guest bare = parse("-m", "1G");
        assertThat(bare.nics()).containsExactly(new Nic("e1000", "user", false, 0, ""));
        assertThat(bare.problems()).anySatisfy(p -> assertThat(p).contains("default NIC"));
        assertThat(parse("-m", "1G", "-nodefaults").nics()).isEmpty();
    }

    @Test
    void nameMemoryAndCpuTopologyInEveryForm() {
        assertThat(parse("-name", "foo").name()).isEqualTo("foo");
        assertThat(parse("-name", "guest=bar,debug-threads=on").name()).isEqualTo("bar");
        assertThat(parse().name()).as("file stem when -name is absent").isEqualTo("guest");
        assertThat(QemuCommandLineParser.parse(List.of("qemu-kvm"), "pid 42").name()).isEqualTo("qemu-42");
        assertThat(parse("-m", "size=4G,slots=2,maxmem=8G").memoryKiB()).isEqualTo(4L << 20);
        assertThat(parse("-m", "512M").memoryKiB()).isEqualTo(512L << 10);
        assertThat(parse("-m", "1024").memoryKiB()).as("a bare number is MiB").isEqualTo(1L << 20);
        assertThat(parse("-smp", "4,sockets=1,cores=2,threads=2").vcpus()).isEqualTo(4);
        assertThat(parse("-smp", "sockets=2,cores=2,threads=2").vcpus()).isEqualTo(8);
        assertThat(parse("--smp", "3").vcpus()).as("QEMU accepts --option too").isEqualTo(3);
    }

    @Test
    void memoryBackendsGiveHugepagesSharingAndPlacement() {
        Guest file = parse("-object", "memory-backend-file,id=m,size=4G,mem-path=/dev/hugepages,share=on,host-nodes=1,policy=bind",
                "-numa", "node,memdev=m");
        assertThat(file.memory()).isEqualTo(new MemoryBacking(true, 0, "1", "file", true, false));
        assertThat(file.numatune()).isEqualTo(new NumaTune("strict", "1"));
        Guest memfd = parse("-object", "memory-backend-memfd,id=m,size=1G", "-machine", "q35,memory-backend=m",
                "-overcommit", "mem-lock=on");
        assertThat(memfd.memory()).isEqualTo(new MemoryBacking(false, 0, "", "memfd", true, true));
        assertThat(parse("-mem-path", "/dev/hugepages1G").memory().hugepages()).isTrue();
    }

    @Test
    void passthroughDevicesAreListedWithTheirPciDomain() {
        Guest g = parse("-device", "vfio-pci,host=06:00.1", "-device",
                "vfio-pci,sysfsdev=/sys/bus/pci/devices/0000:81:00.0");
        assertThat(g.hostDevices()).containsExactly("0000:06:00.1", "0000:81:00.0");
    }

    @Test
    void brokenReferencesAndValuesBecomeProblemsNotExceptions() {
        Guest g = parse("-device", "virtio-blk-pci,drive=nowhere", "-blockdev", "driver=qcow2,node-name=loop,file=loop",
                "-device", "virtio-blk-pci,drive=loop", "-smp", "many", "-m", "lots", "-device", "virtio-net-pci,netdev=ghost",
                "-object", "{\"qom-type\":", "-name");
        assertThat(g.problems()).hasSize(7).anySatisfy(p -> assertThat(p).contains("nowhere"))
                .anySatisfy(p -> assertThat(p).contains("refers back to itself"))
                .anySatisfy(p -> assertThat(p).contains("cpus=many"))
                .anySatisfy(p -> assertThat(p).startsWith("-m lots"))
                .anySatisfy(p -> assertThat(p).contains("ghost"))
                .anySatisfy(p -> assertThat(p).contains("malformed JSON"))
                .anySatisfy(p -> assertThat(p).contains("-name has no value"));
        assertThat(g.vcpus()).isEqualTo(1);
    }

    @Test
    void unknownOptionsAreSkippedWithOrWithoutAValue() {
        Guest g = parse("-display", "none", "-some-new-flag", "-vga", "std", "-m", "2G", "-nodefaults");
        assertThat(g.memoryKiB()).isEqualTo(2L << 20);
        assertThat(g.problems()).isEmpty();
    }
}
