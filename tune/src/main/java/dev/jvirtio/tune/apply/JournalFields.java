package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Reads the fields of journal records, refusing what jvirtio never writes: a missing or mistyped
 * field, bad base64, a path that is relative, not normalized or outside the root.
 */
final class JournalFields {

    private final String where;

    /** @param where the start of every message: which transaction and line */
    JournalFields(String where) {
        this.where = where;
    }

    JournalException damaged(String why) {
        return new JournalException(where + why + ".");
    }

    String text(JsonNode node, String field) throws JournalException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw damaged("the field '" + field + "' is missing or not text");
        }
        return value.asText();
    }

    Optional<String> optionalText(JsonNode node, String field) throws JournalException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(text(node, field));
    }

    int integer(JsonNode node, String field) throws JournalException {
        JsonNode value = node.get(field);
        if (value == null || !value.isInt()) {
            throw damaged("the field '" + field + "' is missing or not a number");
        }
        return value.asInt();
    }

    byte[] bytes(JsonNode node, String field) throws JournalException {
        try {
            return Base64.getDecoder().decode(text(node, field));
        } catch (IllegalArgumentException e) {
            throw damaged("the field '" + field + "' is not base64");
        }
    }

    Optional<byte[]> optionalBytes(JsonNode node, String field) throws JournalException {
        if (node.get(field) == null || node.get(field).isNull()) {
            return Optional.empty();
        }
        return Optional.of(bytes(node, field));
    }

    List<String> texts(JsonNode node, String field) throws JournalException {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw damaged("the field '" + field + "' is missing or not a list");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw damaged("the list '" + field + "' holds something other than text");
            }
            texts.add(item.asText());
        }
        return texts;
    }

    /**
     * An absolute, normalized path; inside {@code root} unless {@code domainXml} allows a domain
     * XML file ({@code .xml}) anywhere.
     */
    Path path(String text, Path root, boolean domainXml) throws JournalException {
        if (text.indexOf('\0') >= 0 || !text.startsWith("/")) {
            throw damaged("the path '" + shorten(text) + "' is not absolute");
        }
        Path path = Path.of(text);
        if (!path.normalize().equals(path) || text.contains("/../") || text.endsWith("/..")) {
            throw damaged("the path '" + shorten(text) + "' is not normalized");
        }
        if (!path.startsWith(root) && !(domainXml && text.endsWith(".xml"))) {
            throw damaged("the path '" + shorten(text) + "' lies outside the root " + root);
        }
        return path;
    }

    private static String shorten(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
    }
}
