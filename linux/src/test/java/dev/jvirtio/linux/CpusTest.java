package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CpusTest {

    @Test
    void rangesAndSingleCpusCombine() {
        BitSet expected = new BitSet();
        IntStream.of(0, 1, 2, 3, 6).forEach(expected::set);
        assertThat(Cpus.parseList("0-3,6")).isEqualTo(expected);
        assertThat(Cpus.parseList(" 0-3 , 6\n")).isEqualTo(expected);
        assertThat(Cpus.format(expected)).isEqualTo("0-3,6");
    }

    @Test
    void anEmptyListIsNoCpus() {
        assertThat(Cpus.parseList("")).isEqualTo(new BitSet());
        assertThat(Cpus.parseList("\n")).isEqualTo(new BitSet());
        assertThat(Cpus.format(new BitSet())).isEmpty();
    }

    @Test
    void theOnlineCpusIncludeTheOnesTheJvmCounts() {
        assertThat(Cpus.online().cardinality()).isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @ParameterizedTest
    @ValueSource(strings = {"3-1", "a", "1,,2", "-1", "1-", "1-2-3", "99999", "0x3", "1;2", "+1"})
    void malformedListsAreRefusedNamingTheList(String list) {
        assertThatThrownBy(() -> Cpus.parseList(list))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid CPU list '" + list + "'");
    }
}
