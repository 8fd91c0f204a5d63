package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A sysfs selector file such as {@code queue/scheduler} ({@code "none [mq-deadline] kyber"}) or
 * {@code transparent_hugepage/enabled}: the choices and the bracketed selection.
 *
 * @param selected the selected choice
 * @param choices  every choice offered, in file order
 */
public record SysfsChoice(String selected, List<String> choices) {

    public SysfsChoice {
        Objects.requireNonNull(selected, "selected");
        choices = List.copyOf(choices);
    }

    /**
     * Reads a selector file. A file holding a single word with no brackets selects that word
     * (the scheduler file of a queue without a choice reads {@code none}). Empty when the file is
     * missing; a problem is recorded when it holds no selection.
     */
    static Optional<SysfsChoice> read(FactRoot root, String path) {
        Optional<String> line = root.readLine(path);
        if (line.isEmpty()) {
            return Optional.empty();
        }
        String selected = null;
        List<String> choices = new ArrayList<>();
        for (String word : line.get().split("\\s+")) {
            if (word.startsWith("[") && word.endsWith("]") && word.length() > 2) {
                word = word.substring(1, word.length() - 1);
                selected = word;
            }
            choices.add(word);
        }
        if (selected == null && choices.size() == 1 && choices.getFirst().matches("[A-Za-z0-9_+-]+")) {
            selected = choices.getFirst();
        }
        if (selected == null) {
            root.problem(path + ": no selected value in '" + line.get() + "'");
            return Optional.empty();
        }
        return Optional.of(new SysfsChoice(selected, choices));
    }
}
