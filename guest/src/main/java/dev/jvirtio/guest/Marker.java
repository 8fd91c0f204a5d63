package dev.jvirtio.guest;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One {@code @@JVIRTIO KEY VALUE} line a guest printed on its console.
 *
 * @param key the word after the prefix: letters, digits and {@code _ . : -}, at most
 *     {@value #MAX_KEY_LENGTH} characters
 * @param value the rest of the line without surrounding white space; may be empty
 */
public record Marker(String key, String value) {
    /** The word that starts a marker line. */
    public static final String PREFIX = "@@JVIRTIO";
    /** The longest key {@link #parse} accepts. */
    public static final int MAX_KEY_LENGTH = 64;

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:-]{1," + MAX_KEY_LENGTH + "}");

    /** @throws IllegalArgumentException when the key is not a valid marker key */
    public Marker {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("invalid marker key '" + key + "'");
        }
    }

    /**
     * The marker a console line holds, if it is one: the line, without trailing carriage
     * returns, starts with {@link #PREFIX}, one space and a valid key, then optionally white space
     * and the value. Any other line, however malformed, yields empty; this never throws.
     */
    public static Optional<Marker> parse(String line) {
        String text = line;
        while (text.startsWith("\r")) {
            text = text.substring(1);
        }
        if (!text.startsWith(PREFIX + " ")) {
            return Optional.empty();
        }
        String rest = text.substring(PREFIX.length() + 1);
        int end = 0;
        while (end < rest.length() && !Character.isWhitespace(rest.charAt(end))) {
            end++;
        }
        String key = rest.substring(0, end);
        if (!KEY.matcher(key).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Marker(key, rest.substring(end).strip()));
    }

    /** The console line that {@link #parse} reads back as this marker. */
    public String line() {
        return value.isEmpty() ? PREFIX + " " + key : PREFIX + " " + key + " " + value;
    }
}
