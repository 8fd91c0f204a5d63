package dev.jvirtio.tune.plan;

import java.util.List;
import java.util.Objects;

/**
 * A guest whose configuration a plan can change: its domain XML and where it lives.
 *
 * @param target   the file or libvirt domain
 * @param xml      the domain XML as stored (for libvirt: the persistent definition)
 * @param running  true when a libvirt domain is running, so live changes apply too
 * @param livePins each vCPU's host CPUs as a running domain has them, as CPU lists; empty when
 *                 not running
 */
public record EditableDomain(DomainTarget target, String xml, boolean running, List<String> livePins) {

    public EditableDomain {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(xml, "xml");
        livePins = List.copyOf(livePins);
    }

    /** A domain XML file. */
    public static EditableDomain file(DomainFile file, String xml) {
        return new EditableDomain(file, xml, false, List.of());
    }
}
