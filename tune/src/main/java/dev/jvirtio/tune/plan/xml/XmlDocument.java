package dev.jvirtio.tune.plan.xml;

import dev.jvirtio.tune.guest.GuestConfigException;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * An XML document (a libvirt domain) read so that it can be edited and written back with nothing
 * changed but the edits: attribute order, comments, indentation and the document's quote style
 * survive a round trip. Written back, attributes use the quote the document mostly used (libvirt
 * writes {@code '}), elements without content are written {@code <name/>}, and text is escaped.
 *
 * <p>The input is untrusted: a DOCTYPE, and with it every entity but the predefined five, is
 * refused. Not thread-safe.
 */
public final class XmlDocument {

    /** Documents larger than this are refused. */
    public static final int MAX_BYTES = 16 << 20;

    private static final Pattern SINGLE = Pattern.compile("\\s[\\w:.-]+\\s*=\\s*'");
    private static final Pattern DOUBLE = Pattern.compile("\\s[\\w:.-]+\\s*=\\s*\"");

    private final List<XmlNode> top;
    private final XmlElement root;
    private final String declaration;
    private final char quote;
    private final boolean trailingNewline;

    private XmlDocument(List<XmlNode> top, XmlElement root, String declaration, char quote, boolean trailingNewline) {
        this.top = top;
        this.root = root;
        this.declaration = declaration;
        this.quote = quote;
        this.trailingNewline = trailingNewline;
    }

    /**
     * Reads a document.
     *
     * @param source names the document in messages
     * @throws GuestConfigException naming {@code source} and the line when the document is not
     *                              well-formed, declares a DOCTYPE, or is larger than
     *                              {@value #MAX_BYTES} bytes
     */
    public static XmlDocument parse(byte[] xml, String source) throws GuestConfigException {
        if (xml.length > MAX_BYTES) {
            throw new GuestConfigException(source + " is " + xml.length + " bytes, more than the " + MAX_BYTES
                    + " a domain XML can be.");
        }
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, true);
        List<XmlNode> top = new ArrayList<>();
        XmlElement root = null;
        String declaration = "";
        Deque<XmlElement> open = new ArrayDeque<>();
        XMLStreamReader reader = null;
        try {
            reader = factory.createXMLStreamReader(new ByteArrayInputStream(xml));
            if (reader.getVersion() != null) {
                declaration = "<?xml version=" + q(reader.getVersion())
                        + (reader.getCharacterEncodingScheme() != null ? " encoding=" + q("UTF-8") : "")
                        + (reader.standaloneSet() ? " standalone=" + q(reader.isStandalone() ? "yes" : "no") : "")
                        + "?>";
            }
            while (reader.hasNext()) {
                int event = reader.next();
                switch (event) {
                    case XMLStreamConstants.DTD -> throw new GuestConfigException(source
                            + " declares a DOCTYPE, which a domain XML never needs; it was refused.");
                    case XMLStreamConstants.START_ELEMENT -> {
                        XmlElement element = new XmlElement(name(reader));
                        for (int i = 0; i < reader.getNamespaceCount(); i++) {
                            String prefix = reader.getNamespacePrefix(i);
                            element.attribute(prefix == null || prefix.isEmpty() ? "xmlns" : "xmlns:" + prefix,
                                    reader.getNamespaceURI(i));
                        }
                        for (int i = 0; i < reader.getAttributeCount(); i++) {
                            var attr = reader.getAttributeName(i);
                            String key = attr.getPrefix() == null || attr.getPrefix().isEmpty() ? attr.getLocalPart()
                                    : attr.getPrefix() + ":" + attr.getLocalPart();
                            element.attribute(key, reader.getAttributeValue(i));
                        }
                        if (open.isEmpty()) {
                            if (root != null) {
                                throw new GuestConfigException(source + " has more than one root element.");
                            }
                            root = element;
                            top.add(element);
                        } else {
                            open.peek().append(element);
                        }
                        open.push(element);
                    }
                    case XMLStreamConstants.END_ELEMENT -> open.pop();
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.SPACE, XMLStreamConstants.CDATA -> {
                        if (!open.isEmpty()) {
                            open.peek().append(new XmlText(reader.getText()));
                        }
                    }
                    case XMLStreamConstants.COMMENT -> {
                        XmlComment comment = new XmlComment(reader.getText());
                        if (open.isEmpty()) {
                            top.add(comment);
                        } else {
                            open.peek().append(comment);
                        }
                    }
                    case XMLStreamConstants.PROCESSING_INSTRUCTION -> {
                        XmlInstruction pi = new XmlInstruction(reader.getPITarget(),
                                reader.getPIData() == null ? "" : reader.getPIData());
                        if (open.isEmpty()) {
                            top.add(pi);
                        } else {
                            open.peek().append(pi);
                        }
                    }
                    case XMLStreamConstants.ENTITY_REFERENCE -> throw new GuestConfigException(source
                            + " uses the entity &" + reader.getLocalName() + "; which is not defined.");
                    default -> {
                    }
                }
            }
        } catch (XMLStreamException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNumber();
            throw new GuestConfigException(source + (line > 0 ? " line " + line : "") + " is not well-formed XML: "
                    + withoutLocation(e.getMessage()), e);
        } finally {
            if (reader != null) {
                try {
                    reader.close();
                } catch (XMLStreamException e) {
                    // Nothing was kept open but the in-memory stream.
                }
            }
        }
        if (root == null) {
            throw new GuestConfigException(source + " holds no XML element.");
        }
        String raw = new String(xml, StandardCharsets.UTF_8);
        int singles = count(SINGLE.matcher(raw));
        int doubles = count(DOUBLE.matcher(raw));
        char quote = doubles > singles ? '"' : '\'';
        if (!declaration.isEmpty() && quote == '\'') {
            declaration = declaration.replace('"', '\'');
        }
        return new XmlDocument(top, root, declaration, quote, raw.endsWith("\n"));
    }

    /** {@link #parse(byte[], String)} for a document held as a string. */
    public static XmlDocument parse(String xml, String source) throws GuestConfigException {
        return parse(xml.getBytes(StandardCharsets.UTF_8), source);
    }

    /** The root element. */
    public XmlElement root() {
        return root;
    }

    /** The document as text, in the document's own quote style. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        if (!declaration.isEmpty()) {
            out.append(declaration).append('\n');
        }
        for (int i = 0; i < top.size(); i++) {
            write(out, top.get(i));
            if (i < top.size() - 1 || trailingNewline) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    /** The document as UTF-8 bytes. */
    public byte[] toBytes() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    private void write(StringBuilder out, XmlNode node) {
        switch (node) {
            case XmlText t -> out.append(escapeText(t.text()));
            case XmlComment c -> out.append("<!--").append(c.text()).append("-->");
            case XmlInstruction p -> out.append("<?").append(p.target())
                    .append(p.data().isEmpty() ? "" : " " + p.data()).append("?>");
            case XmlElement e -> {
                out.append('<').append(e.name());
                e.attributes().forEach((key, value) -> out.append(' ').append(key).append('=').append(quote)
                        .append(escapeAttribute(value)).append(quote));
                if (e.children.isEmpty()) {
                    out.append("/>");
                } else {
                    out.append('>');
                    for (XmlNode child : e.children) {
                        write(out, child);
                    }
                    out.append("</").append(e.name()).append('>');
                }
            }
        }
    }

    private String escapeAttribute(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\n' -> out.append("&#10;");
                case '\r' -> out.append("&#13;");
                case '\t' -> out.append("&#9;");
                default -> {
                    if (c == quote) {
                        out.append(quote == '\'' ? "&apos;" : "&quot;");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    private static String escapeText(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String name(XMLStreamReader reader) {
        String prefix = reader.getPrefix();
        return prefix == null || prefix.isEmpty() ? reader.getLocalName() : prefix + ":" + reader.getLocalName();
    }

    private static String q(String value) {
        return "\"" + Objects.requireNonNull(value) + "\"";
    }

    private static int count(Matcher m) {
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** The parser's message without the {@code ParseError at [row,col]} it starts with. */
    private static String withoutLocation(String message) {
        String m = message == null ? "unknown error" : message.strip();
        int text = m.lastIndexOf("Message: ");
        return text >= 0 ? m.substring(text + "Message: ".length()).strip() : m;
    }
}
