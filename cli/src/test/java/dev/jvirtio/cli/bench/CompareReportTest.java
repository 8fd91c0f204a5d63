package dev.jvirtio.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The summary of a compare matrix from results whose figures the test chose. */
class CompareReportTest {

    private static final Disk NULL = Disk.nullDevice(1 << 30, "writeback");
    private static final Workload QD1 = Workload.parse("randread/4k/1");

    private static BlkBenchResult run(String target, double iops, double p99) {
        long ops = Math.round(iops * 2);
        return new BlkBenchResult(target, NULL.describe(), QD1, 2.0, ops, ops,
                new BlkBenchResult.Latency(1, p99 / 2, p99, p99 * 2, p99 * 4, p99 / 2), 1.0, 0, 0);
    }

    @Test
    void cellsAreMedianWithMinAndMaxAndTheRatioIsOfMedians() {
        List<BlkBenchResult> results = List.of(run("a", 1000, 50), run("b", 500, 100), run("b", 400, 80),
                run("a", 3000, 30), run("a", 2000, 40), run("b", 800, 60));
        CompareReport report = new CompareReport(List.of("a", "b"), List.of(NULL), List.of(QD1), results, "cmd", "machine");

        CompareReport.Cell a = report.cell(NULL, QD1, "a");
        assertThat(a.iops()).isEqualTo(new CompareReport.Spread(1000, 2000, 3000));
        assertThat(a.p99()).isEqualTo(new CompareReport.Spread(30, 40, 50));
        assertThat(a.runs()).isEqualTo(3);

        List<String> row = report.rows().get(1);
        assertThat(row).containsExactly("null 1G", "randread 4k QD 1", "2,000 (1,000-3,000)", "500 (400-800)",
                "4.00", "40 (30-50)", "80 (60-100)", "0.50",
                String.format(java.util.Locale.ROOT, "%.1f", 1e6 / 4000.0), String.format(java.util.Locale.ROOT, "%.1f", 1e6 / 1000.0));
        assertThat(report.ratioLines()).containsExactly("null 1G, randread 4k QD 1: median IOPS a/b 4.00, median p99 a/b 0.50");
    }

    @Test
    void aMissingCellShowsDashes() {
        CompareReport report = new CompareReport(List.of("a", "b"), List.of(NULL), List.of(QD1),
                List.of(run("a", 1000, 50)), "cmd", "machine");
        assertThat(report.rows().get(1)).contains("-");
        assertThat(report.html()).contains("<svg").doesNotContain("NaN");
    }
}
