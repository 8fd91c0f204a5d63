package dev.jvirtio.tune.guest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into words the way a POSIX shell reads one command line: blanks separate words,
 * single quotes keep everything literally, double quotes keep everything but {@code \$ \` \" \\}
 * and backslash-newline, a backslash outside quotes escapes the next character, and
 * backslash-newline continues the line. Expansions ({@code $VAR}, globs, {@code ~}) are not
 * performed: the text is kept as written. Comments are not recognised.
 */
public final class ShellWords {

    private ShellWords() {
    }

    /**
     * The words of {@code text}.
     *
     * @throws IllegalArgumentException when a quote is not closed; the message names the quote and
     *                                  the line it opened on
     */
    public static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int line = 1;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\') {
                if (i + 1 < text.length()) {
                    char next = text.charAt(i + 1);
                    if (next == '\n') {
                        line++;
                    } else {
                        word.append(next);
                        inWord = true;
                    }
                    i += 2;
                } else {
                    word.append('\\');
                    inWord = true;
                    i++;
                }
            } else if (c == '\'') {
                int close = text.indexOf('\'', i + 1);
                if (close < 0) {
                    throw new IllegalArgumentException("unterminated single quote opened on line " + line);
                }
                String quoted = text.substring(i + 1, close);
                line += (int) quoted.chars().filter(ch -> ch == '\n').count();
                word.append(quoted);
                inWord = true;
                i = close + 1;
            } else if (c == '"') {
                int openLine = line;
                i++;
                boolean closed = false;
                while (i < text.length()) {
                    char d = text.charAt(i);
                    if (d == '"') {
                        closed = true;
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < text.length()) {
                        char next = text.charAt(i + 1);
                        if (next == '\n') {
                            line++;
                            i += 2;
                            continue;
                        }
                        if (next == '$' || next == '`' || next == '"' || next == '\\') {
                            word.append(next);
                            i += 2;
                            continue;
                        }
                    }
                    if (d == '\n') {
                        line++;
                    }
                    word.append(d);
                    i++;
                }
                if (!closed) {
                    throw new IllegalArgumentException("unterminated double quote opened on line " + openLine);
                }
                inWord = true;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                if (c == '\n') {
                    line++;
                }
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
