package dev.jvirtio.tune.plan;

import java.util.Objects;

/**
 * A domain of a libvirt connection, changed by defining its new XML.
 *
 * @param uri  the connection URI ({@code qemu:///system})
 * @param name the domain's name
 */
public record LibvirtDomain(String uri, String name) implements DomainTarget {

    public LibvirtDomain {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String describe() {
        return "libvirt " + uri + " domain " + name;
    }
}
