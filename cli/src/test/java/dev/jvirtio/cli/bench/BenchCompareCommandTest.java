package dev.jvirtio.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** {@code jvirtio bench compare} over a small matrix with both real back-ends. */
@Timeout(180)
class BenchCompareCommandTest {

    @TempDir
    Path dir;

    @Test
    void smallMatrixAlternatesTargetsAndWritesTheReports() throws Exception {
        BenchRun.requireQsd();
        Path out = dir.resolve("report");
        CliRun run = BenchRun.of("compare", "--targets", "jvirtio,qsd", "--disks", "null,writeback", "--size", "16M",
                "--workload", "randread/4k/2", "--time", "0.2", "--warmup", "0", "--repeat", "2", "--out", out.toString(),
                "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();

        JsonNode runs = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
        List<String> order = new ArrayList<>();
        runs.forEach(r -> order.add(r.get("disk").asText() + "/" + r.get("target").asText()));
        // Targets alternate: the second repetition runs them in the other order.
        assertThat(order).containsExactly("null 16M/jvirtio", "null 16M/qsd", "null 16M/qsd", "null 16M/jvirtio",
                "raw, cache writeback/jvirtio", "raw, cache writeback/qsd", "raw, cache writeback/qsd",
                "raw, cache writeback/jvirtio");
        assertThat(out.resolve("bench.img")).as("the image the cached disk needed").hasSize(16 << 20);

        // The printed ratio is the median of jvirtio's runs over the median of qsd's, for the null disk.
        double jvirtio = median(runs, "null 16M", "jvirtio");
        double qsd = median(runs, "null 16M", "qsd");
        String expected = String.format(Locale.ROOT, "null 16M, randread 4k QD 2: median IOPS jvirtio/qsd %.2f", jvirtio / qsd);
        assertThat(run.out()).contains(expected);
        String markdown = Files.readString(out.resolve("compare.md"));
        assertThat(markdown).startsWith("Command: `jvirtio bench compare --targets jvirtio,qsd --disks null,writeback --size 16M");
        assertThat(markdown).contains("| disk | workload | jvirtio IOPS | qsd IOPS | IOPS jvirtio/qsd |")
                .contains(String.format(Locale.ROOT, "| %.2f |", jvirtio / qsd));

        Document html = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve("compare.html").toFile());
        assertThat(html.getElementsByTagName("svg").getLength()).as("an IOPS and a p99 chart per disk").isEqualTo(4);
        assertThat(html.getElementsByTagName("rect").getLength()).as("a bar per target and workload, plus legends")
                .isEqualTo(4 * (2 + 2));
    }

    private static double median(JsonNode runs, String disk, String target) {
        List<Double> v = new ArrayList<>();
        runs.forEach(r -> {
            if (r.get("disk").asText().equals(disk) && r.get("target").asText().equals(target)) {
                v.add(r.get("iops").asDouble());
            }
        });
        v.sort(null);
        return v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
    }

    @Test
    void socketTargetsCannotBeCompared() {
        CliRun run = BenchRun.of("compare", "--targets", "qsd,socket:/tmp/x.sock", "--out", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("compare starts its own back-ends; socket:/tmp/x.sock cannot be compared");
    }
}
