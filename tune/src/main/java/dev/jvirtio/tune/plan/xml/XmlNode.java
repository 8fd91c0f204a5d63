package dev.jvirtio.tune.plan.xml;

/** A node of an {@link XmlDocument}: an element, text (whitespace included), or a comment. */
sealed interface XmlNode permits XmlElement, XmlText, XmlComment, XmlInstruction {
}
