package dev.jvirtio.tune.plan.xml;

import java.util.Objects;

/** Character data as parsed (entities resolved), whitespace between elements included. */
record XmlText(String text) implements XmlNode {
    XmlText {
        Objects.requireNonNull(text, "text");
    }

    /** True when the text is only whitespace (indentation). */
    boolean blank() {
        return text.isBlank();
    }
}
