package dev.jvirtio.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code jvirtio bench net}: short runs whose figures are consistent with what was sent. */
@Timeout(120)
class BenchNetCommandTest {

    @Test
    void everyFrameSizeDeliversWholeFramesAndReportsRates() throws Exception {
        CliRun run = BenchRun.of("net", "--time", "0.3", "--warmup", "0.1", "--reps", "1", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(run.out());
        assertThat(results).hasSize(NetBench.FrameKind.values().length);
        for (JsonNode r : results) {
            long frames = r.get("frames").asLong();
            assertThat(frames).as(r.toString()).isPositive();
            assertThat(r.get("bytes").asLong()).as("every frame arrived whole: " + r)
                    .isEqualTo(frames * r.get("ethernetBytes").asLong());
            assertThat(r.get("packetsPerSecond").asDouble()).isCloseTo(frames / r.get("seconds").asDouble(),
                    org.assertj.core.data.Percentage.withPercentage(0.01));
            assertThat(r.get("receivedTotal").asLong()).as("nothing arrives that was not sent: " + r)
                    .isGreaterThanOrEqualTo(frames).isLessThanOrEqualTo(r.get("sentTotal").asLong());
        }
    }

    @Test
    void aBadOptionIsAUsageError() {
        CliRun run = BenchRun.of("net", "--reps", "0");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--reps");
    }
}
