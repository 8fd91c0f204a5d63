package dev.jvirtio.tune.plan.xml;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One element of an {@link XmlDocument} that can be edited in place: attributes keep their order,
 * and children added or removed keep the indentation of their siblings, so that a changed domain
 * XML differs from the original only where something was changed.
 *
 * <p>Not thread-safe.
 */
public final class XmlElement implements XmlNode {

    private static final String INDENT_UNIT = "  ";

    private final String name;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    final List<XmlNode> children = new ArrayList<>();
    private XmlElement parent;

    /** A new element without attributes or children. */
    public XmlElement(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** The tag name as written, prefix included ({@code qemu:commandline}). */
    public String name() {
        return name;
    }

    /** The element this one is a child of; empty for the root. */
    public Optional<XmlElement> parent() {
        return Optional.ofNullable(parent);
    }

    /** The value of attribute {@code key}, {@code ""} when it is absent. */
    public String attribute(String key) {
        return attributes.getOrDefault(key, "");
    }

    /** True when attribute {@code key} is present, even empty. */
    public boolean hasAttribute(String key) {
        return attributes.containsKey(key);
    }

    /** Sets attribute {@code key}: in place when present, after the others when new. */
    public XmlElement attribute(String key, String value) {
        attributes.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Removes attribute {@code key} if present. */
    public XmlElement removeAttribute(String key) {
        attributes.remove(key);
        return this;
    }

    /** The attributes in document order. */
    public Map<String, String> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    /** The first child element named {@code childName}. */
    public Optional<XmlElement> child(String childName) {
        return elements().stream().filter(e -> e.name.equals(childName)).findFirst();
    }

    /** The child elements named {@code childName}, in document order. */
    public List<XmlElement> children(String childName) {
        return elements().stream().filter(e -> e.name.equals(childName)).toList();
    }

    /** Every child element, in document order. */
    public List<XmlElement> elements() {
        List<XmlElement> elements = new ArrayList<>();
        for (XmlNode node : children) {
            if (node instanceof XmlElement e) {
                elements.add(e);
            }
        }
        return elements;
    }

    /** The element's own character data, trimmed ({@code 4} for {@code <vcpu>4</vcpu>}). */
    public String text() {
        StringBuilder text = new StringBuilder();
        for (XmlNode node : children) {
            if (node instanceof XmlText t) {
                text.append(t.text());
            }
        }
        return text.toString().trim();
    }

    /** Replaces every child with {@code value} as character data. */
    public XmlElement text(String value) {
        children.forEach(node -> {
            if (node instanceof XmlElement e) {
                e.parent = null;
            }
        });
        children.clear();
        children.add(new XmlText(value));
        return this;
    }

    /**
     * The first child named {@code childName}, added (see {@link #add}) when there is none.
     *
     * @param order the usual order of this element's children, by name
     */
    public XmlElement childOrAdd(String childName, List<String> order) {
        return child(childName).orElseGet(() -> add(new XmlElement(childName), order));
    }

    /**
     * Adds {@code child} among this element's children, indented like its siblings: after the last
     * child whose name comes at or before its own in {@code order}; first when there is none; last
     * when its name is not in {@code order}.
     *
     * @return {@code child}
     * @throws IllegalStateException when this element holds character data rather than elements
     */
    public XmlElement add(XmlElement child, List<String> order) {
        if (child.parent != null) {
            throw new IllegalStateException("<" + child.name + "> already has a parent");
        }
        List<XmlElement> elements = elements();
        if (elements.isEmpty()) {
            if (!text().isEmpty()) {
                throw new IllegalStateException("<" + name + "> holds text, not elements");
            }
            String indent = indentation();
            children.clear();
            children.add(new XmlText("\n" + indent + INDENT_UNIT));
            children.add(child);
            children.add(new XmlText("\n" + indent));
            child.parent = this;
            return child;
        }
        String childIndent = indentationOf(elements.getFirst()).orElse(indentation() + INDENT_UNIT);
        int rank = order.indexOf(child.name);
        XmlElement anchor = null;
        if (rank < 0) {
            anchor = elements.getLast();
        } else {
            for (XmlElement e : elements) {
                int r = order.indexOf(e.name);
                if (r >= 0 && r <= rank) {
                    anchor = e;
                }
            }
        }
        if (anchor == null) {
            int at = children.indexOf(elements.getFirst());
            children.add(at, new XmlText("\n" + childIndent));
            children.add(at, child);
        } else {
            int at = children.indexOf(anchor) + 1;
            children.add(at, child);
            children.add(at, new XmlText("\n" + childIndent));
        }
        child.parent = this;
        return child;
    }

    /** Removes {@code child} and the indentation before it. */
    public void remove(XmlElement child) {
        int at = indexOfNode(child);
        if (at < 0) {
            throw new IllegalArgumentException("<" + child.name + "> is not a child of <" + name + ">");
        }
        children.remove(at);
        child.parent = null;
        if (at > 0 && children.get(at - 1) instanceof XmlText t && t.blank()) {
            children.remove(at - 1);
        }
        if (elements().isEmpty() && children.stream().allMatch(n -> n instanceof XmlText t && t.blank())) {
            children.clear();
        }
    }

    /** Removes every child element named {@code childName}. */
    public void removeAll(String childName) {
        for (XmlElement e : children(childName)) {
            remove(e);
        }
    }

    /** This element's indentation: the spaces after the last newline before it. */
    private String indentation() {
        return parent == null ? "" : parent.indentationOf(this).orElse("");
    }

    private Optional<String> indentationOf(XmlElement child) {
        int at = indexOfNode(child);
        if (at > 0 && children.get(at - 1) instanceof XmlText t && t.text().contains("\n")) {
            String after = t.text().substring(t.text().lastIndexOf('\n') + 1);
            if (after.isBlank()) {
                return Optional.of(after);
            }
        }
        return Optional.empty();
    }

    private int indexOfNode(XmlNode node) {
        for (int i = 0; i < children.size(); i++) {
            if (children.get(i) == node) {
                return i;
            }
        }
        return -1;
    }

    /** Adopts a parsed child without touching indentation. */
    void append(XmlNode node) {
        if (node instanceof XmlElement e) {
            e.parent = this;
        }
        children.add(node);
    }
}
