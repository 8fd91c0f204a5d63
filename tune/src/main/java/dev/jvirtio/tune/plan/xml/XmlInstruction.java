package dev.jvirtio.tune.plan.xml;

import java.util.Objects;

/** A processing instruction other than the XML declaration. */
record XmlInstruction(String target, String data) implements XmlNode {
    XmlInstruction {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(data, "data");
    }
}
