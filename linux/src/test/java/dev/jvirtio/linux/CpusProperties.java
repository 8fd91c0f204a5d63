package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class CpusProperties {

    @Property
    void formattingThenParsingGivesBackTheSameCpus(@ForAll @Size(max = 64) Set<@IntRange(max = 4095) Integer> cpus) {
        BitSet set = new BitSet();
        cpus.forEach(set::set);
        String list = Cpus.format(set);
        assertThat(Cpus.parseList(list)).isEqualTo(set);
        assertThat(list).doesNotContain(" ").doesNotStartWith(",").doesNotEndWith(",");
    }

    @Property
    void theFormattedListHasOneItemPerRun(@ForAll @Size(max = 64) Set<@IntRange(max = 255) Integer> cpus) {
        BitSet set = new BitSet();
        cpus.forEach(set::set);
        long runs = set.stream().filter(cpu -> cpu == 0 || !set.get(cpu - 1)).count();
        String list = Cpus.format(set);
        assertThat(list.isEmpty() ? 0 : list.split(",").length).isEqualTo((int) runs);
    }
}
