package dev.jvirtio.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.tune.fixture.TestRoot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code jvirtio audit} on the captured trees of the tune module (a two-socket host with guests, a
 * small host, a KVM guest).
 */
class AuditCommandTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void theCapturedTreesAreThere() {
        assertThat(TestRoot.fixture("numa-host")).as("the tune module's fixture trees (run from the cli module)")
                .isDirectory();
    }

    static CliRun audit(String... args) {
        return CliRun.run(new AuditCommand(), args);
    }

    @Test
    void a_host_with_warnings_prints_the_report_and_exits_1() {
        CliRun run = audit("--root", TestRoot.fixture("numa-host").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).startsWith("jvirtio audit of " + TestRoot.fixture("numa-host")).contains("Summary: ")
                .contains("== host ==").contains("== web ==").contains("FAIL risk  STO-HOSTFS")
                .doesNotContain("\u001b[");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void json_output_is_one_object_with_the_findings_and_the_exit_code() throws IOException {
        CliRun run = audit("--root", TestRoot.fixture("small-host").toString(), "--json");

        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("version").asInt()).isEqualTo(1);
        assertThat(json.get("exitCode").asInt()).isEqualTo(run.exitCode());
        assertThat(json.get("findings").size()).isEqualTo(json.get("summary").get("total").asInt());
        assertThat(json.get("findings")).anySatisfy(f -> {
            assertThat(f.get("rule").asText()).isEqualTo("MEM-SWAP");
            assertThat(f.get("outcome").asText()).isEqualTo("fail");
            assertThat(f.get("fix").asText()).contains("vm.swappiness");
        });
    }

    @Test
    void only_the_chosen_rules_run_and_nothing_failing_at_warn_exits_0() throws IOException {
        CliRun run = audit("--root", TestRoot.fixture("kvm-guest").toString(), "--only", "VIRTIO-PV,NET-VIRTIO", "--json");

        JsonNode findings = new ObjectMapper().readTree(run.out()).get("findings");
        assertThat(findings).isNotEmpty().allSatisfy(f -> assertThat(f.get("rule").asText()).isIn("VIRTIO-PV", "NET-VIRTIO"));
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void skipping_the_failing_rules_turns_the_exit_code_to_0() throws IOException {
        CliRun all = audit("--root", TestRoot.fixture("kvm-guest").toString(), "--json");
        StringBuilder failing = new StringBuilder();
        for (JsonNode f : new ObjectMapper().readTree(all.out()).get("findings")) {
            if (f.get("outcome").asText().equals("fail") && !f.get("severity").asText().equals("info")) {
                failing.append(failing.isEmpty() ? "" : ",").append(f.get("rule").asText());
            }
        }

        CliRun skipped = audit("--root", TestRoot.fixture("kvm-guest").toString(), "--skip", failing.toString());

        assertThat(all.exitCode()).isEqualTo(1);
        assertThat(skipped.exitCode()).isZero();
    }

    @Test
    void an_unknown_rule_id_is_a_usage_error_in_one_sentence() {
        CliRun run = audit("--root", TestRoot.fixture("kvm-guest").toString(), "--only", "MEM-SWAPPINESS");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("MEM-SWAPPINESS").contains("jvirtio explain --list");
        assertThat(run.err().lines()).hasSize(1);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void usage_errors_exit_2_root_with_from_a_missing_root_and_an_unknown_option() {
        assertThat(audit("--root", "/", "--from", "x.tar.gz").exitCode()).isEqualTo(2);
        CliRun missing = audit("--root", dir.resolve("nowhere").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nowhere");
        assertThat(audit("--frobnicate").exitCode()).isEqualTo(2);
    }

    @Test
    void a_malformed_domain_xml_is_reported_in_one_line_without_a_stack_trace() throws IOException {
        Path xml = Files.writeString(dir.resolve("broken.xml"), "<domain><name>oops</name>");

        CliRun run = audit("--root", TestRoot.fixture("small-host").toString(), "--domain-xml", xml.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("broken.xml").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void a_guest_given_on_the_command_line_is_audited_with_the_host() throws IOException {
        Path cmdline = Files.writeString(dir.resolve("vm.sh"),
                "qemu-system-x86_64 -name cli-vm -m 1024 -hda /var/lib/images/cli-vm.img -net nic,model=e1000\n");

        CliRun run = audit("--root", TestRoot.fixture("kvm-guest").toString(), "--qemu-cmdline", cmdline.toString());

        assertThat(run.out()).contains("== cli-vm ==");
    }

    @Test
    void the_domains_of_a_libvirt_connection_are_audited_as_guests() {
        CliRun run = audit("--root", TestRoot.fixture("kvm-guest").toString(), "--connect", "test:///default");

        assertThat(run.err()).as("needs the libvirt client library (Debian package libvirt0)").isEmpty();
        assertThat(run.out()).contains("== test ==");
    }

    @Test
    void a_capture_audited_with_from_gives_the_same_findings() throws IOException {
        Path archive = dir.resolve("numa.tar.gz");
        CliRun captured = audit("--root", TestRoot.fixture("numa-host").toString(), "--capture", archive.toString(),
                "--json");
        CliRun replayed = audit("--from", archive.toString(), "--json");

        ObjectMapper mapper = new ObjectMapper();
        assertThat(archive).isRegularFile();
        assertThat(mapper.readTree(replayed.out()).get("findings"))
                .isEqualTo(mapper.readTree(captured.out()).get("findings"));
        assertThat(mapper.readTree(replayed.out()).get("root").asText()).isEqualTo("capture " + archive);
        assertThat(replayed.exitCode()).isEqualTo(captured.exitCode());
    }

    @Test
    void a_damaged_capture_is_a_usage_error_naming_the_file() throws IOException {
        Path bogus = Files.writeString(dir.resolve("bogus.tar.gz"), "not an archive");

        CliRun run = audit("--from", bogus.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("bogus.tar.gz");
    }

    @Test
    void an_html_report_is_written_next_to_the_terminal_report() throws IOException {
        Path html = dir.resolve("report.html");

        CliRun run = audit("--root", TestRoot.fixture("numa-host").toString(), "--html", html.toString());

        assertThat(run.out()).contains("Summary:");
        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("STO-HOSTFS").contains("</html>");
    }
}
