package dev.jvirtio.tune.plan.xml;

import java.util.Objects;

/** A comment, such as the warning libvirt writes at the top of its stored domain files. */
record XmlComment(String text) implements XmlNode {
    XmlComment {
        Objects.requireNonNull(text, "text");
    }
}
