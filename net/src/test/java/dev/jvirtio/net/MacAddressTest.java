package dev.jvirtio.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void textAndOctetsRoundTrip() {
        MacAddress mac = MacAddress.parse("52:54:00:AB:cd:0f");
        assertThat(mac.toString()).isEqualTo("52:54:00:ab:cd:0f");
        assertThat(MacAddress.of(mac.octets())).isEqualTo(mac);
        assertThat(mac.isMulticast()).isFalse();
        assertThat(MacAddress.parse("01:00:5e:00:00:01").isMulticast()).isTrue();
    }

    @Test
    void malformedTextIsRefusedWithOneSentenceNamingIt() {
        for (String bad : new String[] {"", "52:54:00:12:34", "52-54-00-12-34-56", "52:54:00:12:34:5g", "52:54:00:12:34:56:78"}) {
            assertThatThrownBy(() -> MacAddress.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
