package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.DomainXmlParser;
import dev.jvirtio.tune.guest.Fixtures;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.guest.GuestLoader;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Audit contexts for guest rule scenarios: a host root made in a temporary folder, and guests. */
final class Audits {

    private Audits() {
    }

    /** A host root whose only fact is the THP mode ({@code null}: nothing at all). */
    static Path host(Path dir, String thpEnabled) throws IOException {
        if (thpEnabled != null) {
            Path thp = Files.createDirectories(dir.resolve("sys/kernel/mm/transparent_hugepage"));
            String line = String.join(" ", List.of("always", "madvise", "never").stream()
                    .map(m -> m.equals(thpEnabled) ? "[" + m + "]" : m).toList());
            Files.writeString(thp.resolve("enabled"), line + "\n");
        }
        return dir;
    }

    static AuditContext context(Path root, Guest... guests) {
        return AuditContext.of(HostFacts.read(FactRoot.of(root)), List.of(guests));
    }

    /** The single finding {@code rule} gives for {@code guest}. */
    static Finding judge(Rule rule, Path root, Guest guest) {
        List<Finding> findings = rule.evaluate(context(root, guest));
        if (findings.size() != 1) {
            throw new AssertionError(rule.info().id() + " gave " + findings.size() + " findings for one guest");
        }
        return findings.get(0);
    }

    static Guest xml(String fixture) throws GuestConfigException {
        return GuestLoader.fromDomainXml(Fixtures.guest(fixture)).get(0);
    }

    static Guest cmdline(String fixture) throws GuestConfigException {
        return GuestLoader.fromQemuCmdlineFile(Fixtures.guest(fixture));
    }

    /** A libvirt domain made of the given XML elements. */
    static Guest domain(String name, String elements) throws GuestConfigException {
        return DomainXmlParser.parse("<domain type='kvm'><name>" + name + "</name>" + elements + "</domain>",
                "/etc/libvirt/qemu/" + name + ".xml");
    }
}
