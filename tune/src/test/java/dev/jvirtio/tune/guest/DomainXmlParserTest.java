package dev.jvirtio.tune.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DomainXmlParserTest {

    @Test
    void aWellTunedDomainReadsIntoEveryPartOfTheModel() throws Exception {
        Guest g = GuestLoader.fromDomainXml(Fixtures.guest("good.xml")).get(0);
        assertThat(g.name()).isEqualTo("good");
        assertThat(g.vcpus()).isEqualTo(4);
        assertThat(g.memoryKiB()).isEqualTo(8L << 20);
        assertThat(g.iothreads()).isEqualTo(2);
        assertThat(g.vcpuPins()).hasSize(4).first().isEqualTo(new VcpuPin(0, "2"));
        assertThat(g.emulatorPin()).isEqualTo("0-1");
        assertThat(g.cputune()).isEqualTo(new CpuTune(100000L, 400000L, 2048L));
        assertThat(g.numatune()).isEqualTo(new NumaTune("strict", "0"));
        assertThat(g.memory()).isEqualTo(new MemoryBacking(true, 2048, "0", "memfd", true, false));
        assertThat(g.disks()).containsExactly(
                new Disk("vda", "virtio", "raw", "none", "native", "1", "block", "/dev/vg0/good-root", "disk", 4),
                new Disk("vdb", "virtio", "raw", "none", "io_uring", "2", "block", "/dev/vg0/good-data", "disk", 0),
                new Disk("sda", "sata", "raw", "", "", "", "file", "/var/lib/libvirt/images/seed.iso", "cdrom", 0));
        assertThat(g.nics()).containsExactly(new Nic("virtio", "bridge", true, 4, "vnet0"));
        assertThat(g.balloon()).isEqualTo(new Balloon("virtio", true, 10, true));
        assertThat(g.problems()).isEmpty();
    }

    @Test
    void aPoorlyTunedDomainKeepsItsEmulatedDevicesAndCacheModes() throws Exception {
        Guest g = GuestLoader.fromDomainXml(Fixtures.guest("bad.xml")).get(0);
        assertThat(g.disks()).extracting(Disk::bus, Disk::format, Disk::cache)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ide", "qcow2", "writeback"),
                        org.assertj.core.groups.Tuple.tuple("virtio", "raw", "unsafe"));
        assertThat(g.nics()).containsExactly(new Nic("e1000", "network", false, 0, ""),
                new Nic("virtio", "user", false, 0, ""));
        assertThat(g.balloon().present()).isFalse();
        assertThat(g.memory()).isEqualTo(MemoryBacking.DEFAULT);
    }

    @Test
    void passthroughInterfacesAndHostdevsAreListedAsPciAddresses() throws Exception {
        Guest g = GuestLoader.fromDomainXml(Fixtures.guest("passthrough.xml")).get(0);
        assertThat(g.hostDevices()).containsExactly("0000:05:10.1", "0000:03:00.0");
        assertThat(g.nics()).singleElement().extracting(Nic::backend).isEqualTo("hostdev");
    }

    @Test
    void malformedXmlIsOneSentenceNamingFileAndLine() {
        Path file = Fixtures.guest("malformed.xml");
        assertThatThrownBy(() -> GuestLoader.fromDomainXml(file))
                .isInstanceOf(GuestConfigException.class)
                .hasMessageStartingWith(file + " line 7 is not well-formed XML");
    }

    @Test
    void aDoctypeWithAnExternalEntityIsRefusedAndNothingIsRead() {
        Path file = Fixtures.guest("xxe.xml");
        assertThatThrownBy(() -> GuestLoader.fromDomainXml(file))
                .isInstanceOf(GuestConfigException.class)
                .hasMessageContaining("DOCTYPE is disallowed");
    }

    @Test
    void aBillionLaughsDocumentIsRefusedBeforeExpansion() {
        String xml = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>"
                + "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>]><domain><name>&c;</name></domain>";
        assertThatThrownBy(() -> DomainXmlParser.parse(xml, "laughs.xml")).isInstanceOf(GuestConfigException.class)
                .hasMessageContaining("laughs.xml");
    }

    @Test
    void anotherLibvirtObjectIsNotADomain() {
        assertThatThrownBy(() -> GuestLoader.fromDomainXml(Fixtures.guest("network.xml")))
                .hasMessageEndingWith("its root element is <network>, not <domain>.");
    }

    @Test
    void memoryUnitsFollowLibvirtsDefinitions() throws Exception {
        assertThat(memory("<memory unit='MiB'>1024</memory>")).isEqualTo(1L << 20);
        assertThat(memory("<memory unit='G'>2</memory>")).isEqualTo(2L << 20);
        assertThat(memory("<memory unit='GB'>1</memory>")).isEqualTo(1_000_000_000L / 1024);
        assertThat(memory("<memory>4096</memory>")).as("KiB by default").isEqualTo(4096);
        assertThat(memory("<memory unit='b'>1048576</memory>")).isEqualTo(1024);
    }

    private static long memory(String element) throws GuestConfigException {
        return DomainXmlParser.parse("<domain><name>m</name>" + element + "</domain>", "m.xml").memoryKiB();
    }

    @Test
    void unreadableValuesBecomeProblemsAndAMissingNameFallsBackToTheFile() throws Exception {
        Guest g = DomainXmlParser.parse("<domain><vcpu>four</vcpu><memory unit='parsec'>1</memory>"
                + "<devices><disk type='file'><driver queues='x'/><target dev='vdz'/></disk></devices></domain>",
                "/etc/libvirt/qemu/nameless.xml");
        assertThat(g.name()).isEqualTo("nameless");
        assertThat(g.vcpus()).isEqualTo(1);
        assertThat(g.disks()).singleElement().extracting(Disk::bus).isEqualTo("virtio");
        assertThat(g.problems()).hasSize(4);
    }

    @Test
    void aDomainWithoutMemballoonGetsTheVirtioBalloonLibvirtAdds() throws Exception {
        Guest g = DomainXmlParser.parse("<domain><name>x</name></domain>", "x.xml");
        assertThat(g.balloon()).isEqualTo(Balloon.of("virtio"));
    }

    @Test
    void aDirectoryLoadsEveryXmlFileInNameOrder(@TempDir Path dir) throws Exception {
        Files.copy(Fixtures.guest("good.xml"), dir.resolve("b.xml"));
        Files.copy(Fixtures.guest("bad.xml"), dir.resolve("a.xml"));
        Files.writeString(dir.resolve("notes.txt"), "not a domain");
        List<Guest> guests = GuestLoader.fromDomainXml(dir);
        assertThat(guests).extracting(Guest::name).containsExactly("bad", "good");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("absent.xml");
        assertThatThrownBy(() -> GuestLoader.fromDomainXml(missing))
                .hasMessage("domain XML file " + missing + " does not exist.");
    }
}
