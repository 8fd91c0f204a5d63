package dev.jvirtio.tune.host;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class CpuSetProperties {

    @Property
    void writing_then_parsing_gives_the_same_set(@ForAll @Size(max = 64) Set<@IntRange(max = 4095) Integer> cpus) {
        CpuSet set = CpuSet.of(cpus.stream().mapToInt(Integer::intValue).toArray());

        CpuSet again = CpuSet.parse(set.toString());

        assertThat(again).isEqualTo(set);
        assertThat(again.toArray()).containsExactly(new TreeSet<>(cpus).stream().mapToInt(Integer::intValue).toArray());
    }

    @Property
    void any_text_either_parses_or_is_refused_cleanly(@ForAll String text) {
        try {
            CpuSet set = CpuSet.parse(text);
            assertThat(set.size()).isLessThanOrEqualTo(CpuSet.MAX_CPU);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("not a CPU list");
        }
    }
}
