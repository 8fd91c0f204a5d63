package dev.jvirtio.tune.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShellWordsTest {

    @Test
    void blanksSeparateWordsAndRunsOfBlanksCountOnce() {
        assertThat(ShellWords.split("  qemu \t -m\n 2048  ")).containsExactly("qemu", "-m", "2048");
    }

    @Test
    void singleQuotesKeepEverythingLiterally() {
        assertThat(ShellWords.split("-object '{\"a\": \"b c\", \"d\": \"\\\\\"}'"))
                .containsExactly("-object", "{\"a\": \"b c\", \"d\": \"\\\\\"}");
    }

    @Test
    void doubleQuotesHonourOnlyTheirFourEscapes() {
        assertThat(ShellWords.split("\"a \\\"b\\\" \\$x \\\\ \\n\"")).containsExactly("a \"b\" $x \\ \\n");
    }

    @Test
    void backslashOutsideQuotesEscapesTheNextCharacter() {
        assertThat(ShellWords.split("file=my\\ disk.img a\\'b")).containsExactly("file=my disk.img", "a'b");
    }

    @Test
    void backslashNewlineContinuesTheLineInsideAndOutsideQuotes() {
        assertThat(ShellWords.split("qemu \\\n  -m \\\n2048 \"x\\\ny\"")).containsExactly("qemu", "-m", "2048", "xy");
    }

    @Test
    void adjacentQuotedAndPlainPartsFormOneWord() {
        assertThat(ShellWords.split("file='a b'\"c d\"e")).containsExactly("file=a bc de");
    }

    @Test
    void emptyQuotesAreAnEmptyWord() {
        assertThat(ShellWords.split("a '' b")).containsExactly("a", "", "b");
    }

    @Test
    void anUnterminatedQuoteNamesTheLineItOpenedOn() {
        assertThatThrownBy(() -> ShellWords.split("qemu \\\n -name 'oops\n -m 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unterminated single quote opened on line 2");
        assertThatThrownBy(() -> ShellWords.split("a\nb \"c"))
                .hasMessage("unterminated double quote opened on line 2");
    }
}
