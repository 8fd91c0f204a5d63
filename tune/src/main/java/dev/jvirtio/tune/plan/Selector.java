package dev.jvirtio.tune.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A sysfs selector file's text, such as {@code "mq-deadline kyber [bfq] none"}: the choices, with
 * the selected one in brackets.
 *
 * @param choices  every choice, in file order
 * @param selected the selected choice
 */
record Selector(List<String> choices, String selected) {

    Selector {
        choices = List.copyOf(choices);
    }

    /** Reads a selector line; a single bare word selects itself. Empty when nothing is selected. */
    static Optional<Selector> parse(String line) {
        List<String> choices = new ArrayList<>();
        String selected = null;
        for (String word : line.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (word.length() > 2 && word.startsWith("[") && word.endsWith("]")) {
                word = word.substring(1, word.length() - 1);
                selected = word;
            }
            choices.add(word);
        }
        if (selected == null && choices.size() == 1) {
            selected = choices.getFirst();
        }
        return selected == null ? Optional.empty() : Optional.of(new Selector(choices, selected));
    }

    /** The file's text once {@code choice} is selected, as the kernel shows it. */
    String select(String choice) {
        List<String> words = new ArrayList<>();
        for (String c : choices) {
            words.add(c.equals(choice) ? "[" + c + "]" : c);
        }
        if (!choices.contains(choice)) {
            words.add("[" + choice + "]");
        }
        return String.join(" ", words);
    }
}
