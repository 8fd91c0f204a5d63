package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.plan.xml.XmlElement;

/**
 * An edit of a domain XML that sets parts of it to a planned state. Applying it twice gives the
 * same document as applying it once, and it is applied again at apply time to the XML current
 * then (libvirt hands out secrets such as display passwords only to a writable connection).
 */
@FunctionalInterface
public interface DomainXmlEdit {

    /** Edits {@code domain}, the document's root element, in place. */
    void apply(XmlElement domain);
}
