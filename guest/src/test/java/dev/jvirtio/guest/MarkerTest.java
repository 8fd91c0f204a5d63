package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Reading marker lines out of console text. */
class MarkerTest {
    @Test
    void aMarkerLineYieldsItsKeyAndTheRestOfTheLineAsValue() {
        assertThat(Marker.parse("@@JVIRTIO md5 0123 4567  "))
                .contains(new Marker("md5", "0123 4567"));
    }

    @Test
    void aMarkerWithoutValueHasAnEmptyValue() {
        assertThat(Marker.parse("@@JVIRTIO ready")).contains(new Marker("ready", ""));
        assertThat(Marker.parse("@@JVIRTIO ready   ")).contains(new Marker("ready", ""));
    }

    @Test
    void carriageReturnsBeforeTheLineAreTolerated() {
        assertThat(Marker.parse("\r\r@@JVIRTIO done 0")).contains(new Marker("done", "0"));
    }

    @Test
    void onlyLinesThatStartWithThePrefixAreMarkers() {
        assertThat(Marker.parse("[    1.0] @@JVIRTIO done 0")).isEmpty();
        assertThat(Marker.parse(" @@JVIRTIO done 0")).isEmpty();
        assertThat(Marker.parse("@@JVIRTIOdone 0")).isEmpty();
        assertThat(Marker.parse("@@JVIRTIO")).isEmpty();
        assertThat(Marker.parse("@@JVIRTIO ")).isEmpty();
        assertThat(Marker.parse("@@jvirtio done 0")).isEmpty();
    }

    @Test
    void keysWithForeignCharactersOrTooLongAreRejected() {
        assertThat(Marker.parse("@@JVIRTIO k$y v")).isEmpty();
        assertThat(Marker.parse("@@JVIRTIO  two-spaces v")).isEmpty();
        String longest = "k".repeat(Marker.MAX_KEY_LENGTH);
        assertThat(Marker.parse("@@JVIRTIO " + longest + " v")).contains(new Marker(longest, "v"));
        assertThat(Marker.parse("@@JVIRTIO " + longest + "k v")).isEmpty();
        assertThatThrownBy(() -> new Marker("a b", "v")).isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void parsingAnyTextNeverThrows(@ForAll String line) {
        Optional<Marker> marker = Marker.parse(line);
        marker.ifPresent(m -> assertThat(line).contains(m.key()));
    }

    @Property
    void anyTextAfterThePrefixNeverThrows(@ForAll String rest) {
        Marker.parse(Marker.PREFIX + " " + rest);
    }

    @Property
    void aMarkersLineReadsBackAsTheSameMarker(
            @ForAll @AlphaChars @NumericChars @Chars({'_', '.', ':', '-'}) @StringLength(min = 1, max = 64) String key,
            @ForAll @StringLength(max = 200) String rawValue) {
        String value = rawValue.replaceAll("[\\r\\n]", " ").strip();
        Marker marker = new Marker(key, value);

        assertThat(Marker.parse(marker.line())).contains(marker);
    }
}
