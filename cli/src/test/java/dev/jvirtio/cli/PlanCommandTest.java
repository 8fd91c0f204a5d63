package dev.jvirtio.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.tune.fixture.TestRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.jvirtio.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

class PlanCommandTest {

    @TempDir
    Path dir;

    @Test
    void a_host_with_findings_prints_each_change_with_its_rule_and_exits_1() throws Exception {
        Path root = TestRoot.copyOf("numa-host", dir).path();
        String swappiness = Files.readString(root.resolve("proc/sys/vm/swappiness")).trim();
        Map<String, String> before = TreeFingerprint.fingerprint(root);

        CliRun plan = run(new PlanCommand(), "--root", root.toString());

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.out()).startsWith("jvirtio plan for " + root)
                .contains("MEM-SWAP             /proc/sys/vm/swappiness (procfs): " + swappiness + " -> 10")
                .contains("== web ==").contains("CPU-PIN").contains("+    <vcpupin vcpu='0' cpuset=");
        assertThat(plan.err()).isEmpty();
        assertThat(TreeFingerprint.fingerprint(root)).isEqualTo(before);
    }

    @Test
    void json_output_holds_every_change() throws Exception {
        Path root = TestRoot.copyOf("small-host", dir).path();

        CliRun plan = run(new PlanCommand(), "--root", root.toString(), "--json");

        JsonNode json = new ObjectMapper().readTree(plan.out());
        assertThat(json.get("changeCount").asInt()).isPositive();
        assertThat(json.get("changes")).anySatisfy(c -> {
            assertThat(c.get("rule").asText()).isEqualTo("STO-SCHED");
            assertThat(c.get("target").asText()).isEqualTo("/sys/block/sda/queue/scheduler");
        });
        assertThat(plan.exitCode()).isEqualTo(1);
    }

    @Test
    void a_domain_xml_file_given_outside_the_root_is_planned_in_place() throws Exception {
        Path root = TestRoot.copyOf("small-host", dir).path();
        Path xml = Files.writeString(dir.resolve("vm.xml"), """
                <domain type='kvm'>
                  <name>vm</name>
                  <memory unit='GiB'>1</memory>
                  <vcpu>1</vcpu>
                  <devices>
                    <disk type='file' device='disk'>
                      <source file='/srv/vm.img'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                  </devices>
                </domain>
                """);

        CliRun plan = run(new PlanCommand(), "--root", root.toString(), "--domain-xml", xml.toString());

        assertThat(plan.out()).contains("== vm ==").contains("STO-CACHE            " + xml + " (domain XML)")
                .contains("+      <driver name='qemu' cache='none' io='native'/>");
    }

    @Test
    void what_cannot_be_planned_is_a_usage_error_in_one_sentence() {
        Path root = TestRoot.copyOf("numa-host", dir).path();

        CliRun reserve = run(new PlanCommand(), "--root", root.toString(), "--reserve", "zero");
        CliRun share = run(new PlanCommand(), "--root", root.toString(), "--cpu-share", "nosuch=1");
        CliRun missing = run(new PlanCommand(), "--root", dir.resolve("nowhere").toString());

        assertThat(reserve.exitCode()).isEqualTo(2);
        assertThat(reserve.err()).startsWith("jvirtio plan: --reserve zero is not a CPU list");
        assertThat(share.exitCode()).isEqualTo(2);
        assertThat(share.err()).startsWith("jvirtio plan: There is no guest named 'nosuch'");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }
}
