package dev.jvirtio.tune.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

class ShellWordsProperties {

    /** POSIX single-quote quoting: close, escaped quote, reopen. */
    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    @Property(tries = 300)
    void anyWordsQuotedTheShellWaySplitBackIntoThemselves(
            @ForAll @Size(max = 8) List<@StringLength(max = 20) String> words) {
        String line = words.stream().map(ShellWordsProperties::quote).collect(Collectors.joining(" \\\n  "));
        assertThat(ShellWords.split(line)).isEqualTo(words);
    }

    @Property(tries = 300)
    void arbitraryTextEitherSplitsOrIsRejectedForAnOpenQuote(@ForAll @StringLength(max = 60) String text) {
        try {
            ShellWords.split(text);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("unterminated");
        }
    }
}
