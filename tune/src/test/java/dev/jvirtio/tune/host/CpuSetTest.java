package dev.jvirtio.tune.host;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CpuSetTest {

    @Test
    void the_kernel_list_syntax_parses_to_its_cpus() {
        CpuSet set = CpuSet.parse("0-3,8,10-11");

        assertThat(set.toArray()).containsExactly(0, 1, 2, 3, 8, 10, 11);
        assertThat(set.toString()).isEqualTo("0-3,8,10-11");
    }

    @Test
    void libvirt_exclusions_remove_cpus() {
        assertThat(CpuSet.parse("0-7,^3,^5-6").toArray()).containsExactly(0, 1, 2, 4, 7);
    }

    @Test
    void blank_text_is_the_empty_set() {
        assertThat(CpuSet.parse("  ").isEmpty()).isTrue();
        assertThat(CpuSet.parse("").toString()).isEmpty();
    }

    @Test
    void nonsense_and_huge_ranges_are_refused_with_the_text_named() {
        for (String bad : new String[] {"a-b", "3-1", "-1", "0-99999999", "1,,2", "0-", "^"}) {
            assertThatThrownBy(() -> CpuSet.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad);
            assertThat(CpuSet.tryParse(bad)).isEmpty();
        }
    }

    @Test
    void set_relations_follow_the_members() {
        CpuSet node0 = CpuSet.parse("0-3,8-11");
        CpuSet pins = CpuSet.parse("2,9");

        assertThat(node0.containsAll(pins)).isTrue();
        assertThat(pins.containsAll(node0)).isFalse();
        assertThat(node0.intersects(CpuSet.of(4, 11))).isTrue();
        assertThat(node0.intersection(CpuSet.parse("8-15")).toString()).isEqualTo("8-11");
        assertThat(pins.union(CpuSet.of(3)).toString()).isEqualTo("2-3,9");
    }
}
