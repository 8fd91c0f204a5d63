package dev.jvirtio.tune.plan.xml;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.guest.GuestConfigException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XmlDocumentTest {

    private static final List<String> ORDER = List.of("name", "memory", "vcpu", "iothreads", "cputune", "devices");

    @Test
    void every_domain_xml_of_the_fixtures_is_written_back_byte_for_byte() throws Exception {
        List<Path> files;
        try (Stream<Path> list = Files.list(TestRoot.fixture("numa-host").resolve(".jvirtio/domain-xml"))) {
            files = list.sorted().toList();
        }
        Path guests = TestRoot.fixture("numa-host").getParent().getParent().resolve("guests");
        try (Stream<Path> list = Files.list(guests)) {
            files = Stream.concat(files.stream(), list.filter(p -> p.toString().endsWith(".xml"))
                    .filter(p -> !p.getFileName().toString().matches("malformed.xml|xxe.xml")).sorted()).toList();
        }
        assertThat(files).hasSizeGreaterThan(5);
        for (Path file : files) {
            String original = Files.readString(file);
            assertThat(XmlDocument.parse(original, file.toString()).toString()).as(file.toString()).isEqualTo(original);
        }
    }

    @Test
    void an_added_element_is_indented_like_its_siblings_and_placed_in_libvirt_order() throws GuestConfigException {
        XmlDocument doc = XmlDocument.parse("""
                <domain type='kvm'>
                  <name>web</name>
                  <vcpu>4</vcpu>
                  <devices/>
                </domain>
                """, "web.xml");

        doc.root().add(new XmlElement("iothreads"), ORDER).text("2");
        XmlElement cputune = doc.root().childOrAdd("cputune", ORDER);
        cputune.add(new XmlElement("vcpupin").attribute("vcpu", "0").attribute("cpuset", "1"), List.of());

        assertThat(doc.toString()).isEqualTo("""
                <domain type='kvm'>
                  <name>web</name>
                  <vcpu>4</vcpu>
                  <iothreads>2</iothreads>
                  <cputune>
                    <vcpupin vcpu='0' cpuset='1'/>
                  </cputune>
                  <devices/>
                </domain>
                """);
    }

    @Test
    void removing_an_element_takes_its_indentation_along() throws GuestConfigException {
        String before = """
                <domain>
                  <cputune>
                    <vcpupin vcpu='0' cpuset='1'/>
                    <emulatorpin cpuset='8'/>
                  </cputune>
                </domain>
                """;
        XmlDocument doc = XmlDocument.parse(before, "d.xml");
        XmlElement cputune = doc.root().child("cputune").orElseThrow();

        cputune.remove(cputune.child("emulatorpin").orElseThrow());

        assertThat(doc.toString()).isEqualTo(before.replace("    <emulatorpin cpuset='8'/>\n", ""));
    }

    @Test
    void a_document_written_with_double_quotes_keeps_them_and_values_are_escaped() throws GuestConfigException {
        XmlDocument doc = XmlDocument.parse("<?xml version=\"1.0\"?>\n<domain type=\"kvm\"><name>a&amp;b</name></domain>",
                "d.xml");

        doc.root().attribute("title", "say \"hi\" <now> & then");

        assertThat(doc.toString()).isEqualTo("<?xml version=\"1.0\"?>\n<domain type=\"kvm\" "
                + "title=\"say &quot;hi&quot; &lt;now&gt; &amp; then\"><name>a&amp;b</name></domain>");
        assertThat(XmlDocument.parse(doc.toString(), "again").root().attribute("title"))
                .isEqualTo("say \"hi\" <now> & then");
    }

    @Test
    void namespaced_elements_and_comments_survive() throws GuestConfigException {
        String xml = """
                <!--
                WARNING: THIS IS AN AUTO-GENERATED FILE.
                -->
                <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
                  <qemu:commandline>
                    <qemu:arg value='-trace'/>
                  </qemu:commandline>
                </domain>
                """;

        assertThat(XmlDocument.parse(xml, "d.xml").toString()).isEqualTo(xml);
    }

    @Test
    void hostile_documents_are_refused_with_the_source_named() throws IOException {
        Path xxe = TestRoot.fixture("numa-host").getParent().getParent().resolve("guests/xxe.xml");

        assertThatThrownBy(() -> XmlDocument.parse(Files.readAllBytes(xxe), "xxe.xml"))
                .isInstanceOf(GuestConfigException.class).hasMessageContaining("xxe.xml").hasMessageContaining("DOCTYPE");
        assertThatThrownBy(() -> XmlDocument.parse("<domain><name>x</domain>", "cut.xml"))
                .isInstanceOf(GuestConfigException.class).hasMessageStartingWith("cut.xml line 1 is not well-formed");
        assertThatThrownBy(() -> XmlDocument.parse("<domain>&undefined;</domain>", "ent.xml"))
                .isInstanceOf(GuestConfigException.class).hasMessageContaining("ent.xml");
        assertThatThrownBy(() -> XmlDocument.parse(new byte[XmlDocument.MAX_BYTES + 1], "big.xml"))
                .isInstanceOf(GuestConfigException.class).hasMessageContaining("big.xml");
    }
}
