package dev.jvirtio.tune.guest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The value of one QEMU option, such as {@code -drive file=a.img,if=virtio} or
 * {@code -blockdev {"driver":"file","filename":"a.img"}}, as a flat map of dotted keys.
 *
 * <p>Key=value syntax (QEMU's QemuOpts and keyval): comma-separated {@code key=value} pairs, where
 * {@code ,,} stands for a literal comma; a first element without {@code =} is the value of an
 * implied key ({@code tap} in {@code -netdev tap,id=n0}); a later element without {@code =} is a
 * flag set to {@code on}. JSON syntax: an object whose nested objects become dotted keys
 * ({@code {"file":{"driver":"file"}}} gives {@code file.driver=file}) and arrays of scalars become
 * comma-separated lists.
 */
public final class QemuOptions {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Map<String, String> values;

    private QemuOptions(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Parses an option value.
     *
     * @param text       the text after the option name
     * @param impliedKey the key of a leading element without {@code =}, or null when the option has
     *                   none (then such an element is a flag)
     * @throws IllegalArgumentException when JSON syntax is malformed or not an object
     */
    public static QemuOptions parse(String text, String impliedKey) {
        Map<String, String> values = new LinkedHashMap<>();
        if (text.startsWith("{")) {
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("JSON option value is not an object");
            }
            flatten("", node, values);
            return new QemuOptions(values);
        }
        int i = 0;
        boolean first = true;
        while (i <= text.length()) {
            StringBuilder element = new StringBuilder();
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == ',') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == ',') {
                        element.append(',');
                        i += 2;
                        continue;
                    }
                    break;
                }
                element.append(c);
                i++;
            }
            i++;
            String e = element.toString();
            int eq = e.indexOf('=');
            if (eq >= 0) {
                values.put(e.substring(0, eq), e.substring(eq + 1));
            } else if (first && impliedKey != null) {
                values.put(impliedKey, e);
            } else if (!e.isEmpty()) {
                values.put(e, "on");
            }
            first = false;
        }
        return new QemuOptions(values);
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
        var fields = node.properties();
        for (Map.Entry<String, JsonNode> field : fields) {
            String key = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(key + ".", value, into);
            } else if (value.isArray()) {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.isValueNode() ? item.asText() : item.toString()));
                into.put(key, String.join(",", items));
            } else if (value.isBoolean()) {
                into.put(key, value.booleanValue() ? "on" : "off");
            } else {
                into.put(key, value.asText());
            }
        }
    }

    /** The value of {@code key}, or "" when absent. */
    public String get(String key) {
        return values.getOrDefault(key, "");
    }

    /** The value of {@code key}, if present. */
    public Optional<String> find(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** True when {@code key} is present. */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /**
     * The boolean value of {@code key}: {@code on}, {@code yes}, {@code true} and {@code 1} are
     * true; absence gives {@code otherwise}.
     */
    public boolean flag(String key, boolean otherwise) {
        String v = values.get(key);
        if (v == null) {
            return otherwise;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "yes", "true", "1" -> true;
            default -> false;
        };
    }

    /**
     * The options under {@code prefix.} with the prefix removed ({@code file.driver} becomes
     * {@code driver} for prefix {@code file}).
     */
    public QemuOptions child(String prefix) {
        Map<String, String> sub = new LinkedHashMap<>();
        String p = prefix + ".";
        values.forEach((k, v) -> {
            if (k.startsWith(p)) {
                sub.put(k.substring(p.length()), v);
            }
        });
        return new QemuOptions(sub);
    }

    /** True when no key is present. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** All keys and values in the order given. */
    public Map<String, String> asMap() {
        return values;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
