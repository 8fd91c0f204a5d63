package dev.jvirtio.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Workloads and sizes as users write them. */
class WorkloadTest {

    @Test
    void compactFormRoundTrips() {
        for (String spec : new String[] {"randread/4k/1", "randwrite/4k/64", "read/64k/16", "randread/4k/64/2",
                "randrw:70/8k/32/4", "write/1M/2"}) {
            assertThat(Workload.parse(spec).spec()).isEqualTo(spec);
        }
    }

    @Test
    void readShares() {
        assertThat(Workload.of("randrw", 4096, 1, 1).readPercent()).isEqualTo(50);
        assertThat(Workload.of("randrw:70%", 4096, 1, 1).readPercent()).isEqualTo(70);
        assertThat(Workload.of("read", 4096, 1, 1).readPercent()).isEqualTo(100);
        assertThat(Workload.of("randwrite", 4096, 1, 1).readPercent()).isZero();
        assertThatThrownBy(() -> Workload.of("randread:70", 4096, 1, 1)).hasMessageContaining("only randrw takes a read share");
        assertThatThrownBy(() -> Workload.of("randrw:170", 4096, 1, 1)).hasMessageContaining("between 0 and 100");
    }

    @Test
    void malformedWorkloadsNameThemselves() {
        assertThatThrownBy(() -> Workload.parse("randread/4k")).hasMessageContaining("'randread/4k' must read RW/BS/QD");
        assertThatThrownBy(() -> Workload.parse("randread/4k/x")).hasMessageContaining("whole numbers");
        assertThatThrownBy(() -> Workload.parse("randread/1000/1")).hasMessageContaining("multiple of 512");
    }

    @Test
    void sizes() {
        assertThat(ByteSize.parse("4k")).isEqualTo(4096);
        assertThat(ByteSize.parse("64K")).isEqualTo(65536);
        assertThat(ByteSize.parse("1MiB")).isEqualTo(1 << 20);
        assertThat(ByteSize.parse("2G")).isEqualTo(2L << 30);
        assertThat(ByteSize.parse("512")).isEqualTo(512);
        assertThat(ByteSize.format(4096)).isEqualTo("4k");
        assertThat(ByteSize.format(3L << 30)).isEqualTo("3G");
        assertThat(ByteSize.format(1000)).isEqualTo("1000");
        assertThatThrownBy(() -> ByteSize.parse("lots")).hasMessage("'lots' is not a size; write it like 4k, 64k, 1M or 2G");
        assertThatThrownBy(() -> ByteSize.parse("0")).hasMessageContaining("must be positive");
    }
}
