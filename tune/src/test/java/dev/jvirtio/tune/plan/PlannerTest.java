package dev.jvirtio.tune.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.fixture.TreeHash;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.VcpuPin;
import dev.jvirtio.tune.host.CgroupCpu;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.VmCgroup;
import dev.jvirtio.tune.rules.host.CpuCfsRule;
import dev.jvirtio.tune.rules.host.MemSwapRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.jvirtio.tune.plan.PlanFixtures.after;
import static dev.jvirtio.tune.plan.PlanFixtures.changes;
import static dev.jvirtio.tune.plan.PlanFixtures.lastEdit;
import static dev.jvirtio.tune.plan.PlanFixtures.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlannerTest {

    /** A copy of numa-host that no test changes, and its plan with the default options. */
    @TempDir
    static Path shared;
    private static TestRoot numaHost;
    private static Plan numaPlan;

    @TempDir
    Path dir;

    @BeforeAll
    static void planTheNumaHostOnce() {
        numaHost = TestRoot.copyOf("numa-host", shared);
        numaPlan = plan(numaHost, PlanOptions.defaults());
    }

    @Test
    void a_sysctl_becomes_its_runtime_value_and_a_drop_in_both_naming_the_rule() {
        long swappiness = numaHost.facts().vm().swappiness().getAsLong();

        List<Change> swap = changes(numaPlan, "MEM-SWAP", "host");

        assertThat(swap).hasSize(2);
        SettingWrite runtime = (SettingWrite) swap.get(0);
        assertThat(runtime.path()).isEqualTo("/proc/sys/vm/swappiness");
        assertThat(runtime.from()).isEqualTo(Long.toString(swappiness));
        assertThat(runtime.to()).isEqualTo(Long.toString(MemSwapRule.HOST_VALUE));
        FileWrite dropIn = (FileWrite) swap.get(1);
        assertThat(dropIn.path()).startsWith("/etc/sysctl.d/");
        assertThat(dropIn.before()).isEmpty();
        assertThat(dropIn.afterText()).contains("vm.swappiness = " + MemSwapRule.HOST_VALUE + "\n");
        assertThat(dropIn.diff()).contains("+vm.swappiness = " + MemSwapRule.HOST_VALUE);
    }

    @Test
    void a_sysctl_file_read_after_the_drop_in_with_another_value_is_named() {
        TestRoot root = TestRoot.copyOf("numa-host", dir).write("/etc/sysctl.d/99-sysctl.conf",
                "# local settings\nvm.swappiness=60\nvm.dirty_ratio = 20\n");

        Plan plan = plan(root, PlanOptions.defaults());

        assertThat(plan.notes()).anySatisfy(n -> assertThat(n).startsWith("/etc/sysctl.d/99-sysctl.conf sets "
                + "vm.swappiness = 60 and is read after /etc/sysctl.d/90-jvirtio-swappiness.conf"));
        assertThat(plan.notes()).noneSatisfy(n -> assertThat(n).contains("zone_reclaim_mode = "));
    }

    @Test
    void only_disks_with_the_wrong_scheduler_change_and_a_udev_rule_keeps_them() {
        HostFacts facts = numaHost.facts();

        List<Change> sched = changes(numaPlan, "STO-SCHED", "host");

        SettingWrite sdb = (SettingWrite) sched.get(0);
        assertThat(sdb.path()).isEqualTo("/sys/block/sdb/queue/scheduler");
        assertThat(sdb.from()).isEqualTo(facts.blockDevices().stream().filter(d -> d.name().equals("sdb")).findFirst()
                .orElseThrow().scheduler().orElseThrow());
        assertThat(sdb.to()).isEqualTo("none");
        assertThat(sdb.shown()).contains("[none]").doesNotContain("[" + sdb.from() + "]");
        assertThat(sched).hasSize(2).noneMatch(c -> c.target().contains("/sda/"));
        assertThat(((FileWrite) sched.get(1)).afterText())
                .contains("KERNEL==\"sdb\", ATTR{queue/scheduler}=\"none\"").doesNotContain("sda");
    }

    @Test
    void a_udev_rule_file_written_before_keeps_its_other_lines() {
        String other = "ACTION==\"add|change\", KERNEL==\"sdz\", ATTR{queue/scheduler}=\"kyber\"\n";
        TestRoot root = TestRoot.copyOf("numa-host", dir).write(SchedulerPlanner.RULES, "# mine\n" + other);

        FileWrite rules = (FileWrite) changes(plan(root, PlanOptions.defaults()), "STO-SCHED", "host").get(1);

        assertThat(rules.beforeText()).isEqualTo("# mine\n" + other);
        assertThat(rules.afterText()).startsWith("# mine\n" + other).endsWith("KERNEL==\"sdb\", ATTR{queue/scheduler}=\"none\"\n");
    }

    @Test
    void planning_changes_nothing() {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        Map<String, String> before = TreeHash.of(root.path());

        assertThat(plan(root, PlanOptions.defaults()).applicable()).isNotEmpty();

        assertThat(TreeHash.of(root.path())).isEqualTo(before);
    }

    @Test
    void a_long_cfs_period_keeps_its_share_with_a_short_period_in_cgroups_and_in_the_domain() {
        CgroupCpu db = cgroup(numaHost.facts(), "db").cpu();
        long share = db.quotaMicros().getAsLong() * CpuCfsRule.SHORT_PERIOD_MICROS / db.periodMicros().getAsLong();

        Plan plan = numaPlan;

        assertThat(changes(plan, "CPU-CFS", "host")).anySatisfy(c -> {
            assertThat(c.target()).isEqualTo(db.path() + "/cpu.max");
            assertThat(c.to()).isEqualTo(share + " " + CpuCfsRule.SHORT_PERIOD_MICROS);
        });
        Guest batch = after(lastEdit(plan, "batch"));
        assertThat(batch.cputune().periodMicros()).isEqualTo(CpuCfsRule.SHORT_PERIOD_MICROS);
        assertThat((double) batch.cputune().quotaMicros() / batch.cputune().periodMicros())
                .isEqualTo(25000.0 / 100000.0);
    }

    @Test
    void cgroup_v1_limits_write_the_quota_before_shrinking_the_period() {
        TestRoot root = TestRoot.copyOf("small-host", dir);
        CgroupCpu group = cgroup(root.facts(), "legacy").cpu();

        List<Change> cfs = changes(plan(root, PlanOptions.defaults()), "CPU-CFS", "host");

        assertThat(cfs).extracting(Change::target).containsExactly(group.path() + "/cpu.cfs_quota_us",
                group.path() + "/cpu.cfs_period_us");
        assertThat(cfs.get(0).to()).isEqualTo(Long.toString(group.quotaMicros().getAsLong()
                * CpuCfsRule.SHORT_PERIOD_MICROS / group.periodMicros().getAsLong()));
        assertThat(cfs.get(1).to()).isEqualTo(Long.toString(CpuCfsRule.SHORT_PERIOD_MICROS));
    }

    @Test
    void a_requested_cpu_share_limits_the_whole_guest() {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        CgroupCpu batchScope = cgroup(root.facts(), "batch").cpu();
        long quota = Math.round(0.5 * CpuCfsRule.SHORT_PERIOD_MICROS);

        Plan plan = plan(root, new PlanOptions(CpuSet.of(0), Map.of("batch", 0.5), false));

        assertThat(changes(plan, "CPU-CFS", "host")).anySatisfy(c -> {
            assertThat(c.target()).isEqualTo(batchScope.path() + "/cpu.max");
            assertThat(c.to()).isEqualTo(quota + " " + CpuCfsRule.SHORT_PERIOD_MICROS);
        });
        assertThat(lastEdit(plan, "batch").after()).contains("<global_period>" + CpuCfsRule.SHORT_PERIOD_MICROS
                + "</global_period>").contains("<global_quota>" + quota + "</global_quota>");
    }

    @Test
    void a_cpu_share_for_an_unknown_guest_or_beyond_its_vcpus_is_refused() {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        PlanContext c = PlanFixtures.context(root, PlanOptions.defaults());

        assertThatThrownBy(() -> Planner.plan(FactRoot.of(root.path()), List.of(), List.of(),
                new PlanOptions(CpuSet.of(0), Map.of("nosuch", 1.0), false)))
                .isInstanceOf(PlanException.class).hasMessageContaining("'nosuch'");
        int vcpus = c.guests.stream().filter(g -> g.name().equals("batch")).findFirst().orElseThrow().vcpus();
        assertThatThrownBy(() -> Planner.plan(FactRoot.of(root.path()), List.of(), List.of(),
                new PlanOptions(CpuSet.of(0), Map.of("batch", vcpus + 1.0), false)))
                .isInstanceOf(PlanException.class).hasMessageContaining("batch").hasMessageContaining(vcpus + " vCPUs");
    }

    @Test
    void a_guest_already_pinned_well_keeps_its_pins() {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        String web = new String(readWeb(root), StandardCharsets.UTF_8);
        root.domainXml("1-web.xml", web.replace("cpuset='0'/>", "cpuset='2'/>").replace("vcpu='1' cpuset='1'",
                "vcpu='1' cpuset='10'").replace("vcpu='2' cpuset='2'", "vcpu='2' cpuset='3'")
                .replace("vcpu='3' cpuset='3'", "vcpu='3' cpuset='11'"));
        List<String> pinned = PlanFixtures.context(root, PlanOptions.defaults()).guests.stream()
                .filter(g -> g.name().equals("web")).findFirst().orElseThrow().vcpuPins().stream()
                .map(VcpuPin::cpuset).toList();
        assertThat(pinned).containsExactly("2", "10", "3", "11");

        Guest planned = after(lastEdit(plan(root, PlanOptions.defaults()), "web"));

        assertThat(planned.vcpuPins()).extracting(VcpuPin::cpuset).containsExactlyElementsOf(pinned);
    }

    @Test
    void hugepages_on_request_back_large_guests_and_grow_the_pools_of_their_nodes() {
        TestRoot root = TestRoot.copyOf("numa-host", dir);
        HostFacts facts = root.facts();
        long pageKiB = facts.defaultHugepageKiB();

        Plan plan = plan(root, new PlanOptions(CpuSet.of(0), Map.of(), true));

        assertThat(after(lastEdit(plan, "db")).memory().hugepages()).isTrue();
        assertThat(after(lastEdit(plan, "batch")).memory().hugepages()).isTrue();
        long dbPages = 32L * 1024 * 1024 / pageKiB;
        int dbNode = CpuSet.parse(after(lastEdit(plan, "db")).numatune().nodeset()).toArray()[0];
        assertThat(changes(plan, "MEM-HUGEPAGES", "host")).anySatisfy(c -> {
            assertThat(c.target()).isEqualTo("/sys/devices/system/node/node" + dbNode + "/hugepages/hugepages-"
                    + pageKiB + "kB/nr_hugepages");
            assertThat(Long.parseLong(c.to())).isGreaterThanOrEqualTo(dbPages);
        });
        assertThat(plan.suggestions()).singleElement().satisfies(s -> assertThat(s.to())
                .startsWith("hugepagesz=" + pageKiB / 1024 + "M hugepages=").contains(dbNode + ":"));
    }

    @Test
    void the_json_form_lists_every_change_with_its_rule_and_target() throws Exception {
        Plan plan = plan(TestRoot.copyOf("small-host", dir), PlanOptions.defaults());

        JsonNode json = new ObjectMapper().readTree(PlanReport.json(plan));

        assertThat(json.get("version").asInt()).isEqualTo(PlanReport.VERSION);
        assertThat(json.get("changes")).hasSize(plan.changes().size());
        assertThat(json.get("changeCount").asInt()).isEqualTo(plan.applicable().size());
        for (int i = 0; i < plan.changes().size(); i++) {
            assertThat(json.get("changes").get(i).get("rule").asText()).isEqualTo(plan.changes().get(i).rule());
            assertThat(json.get("changes").get(i).get("target").asText()).isEqualTo(plan.changes().get(i).target());
        }
    }

    @Test
    void the_text_form_groups_changes_by_subject_and_says_what_does_not_fit() {
        Plan plan = numaPlan;

        String text = PlanReport.text(plan);

        assertThat(text).startsWith("jvirtio plan for ").contains(plan.applicable().size() + " changes to make.")
                .contains("== host ==").contains("== web ==").contains("/proc/sys/vm/swappiness (procfs): ")
                .contains("Notes:").contains("CPU-OVERCOMMIT");
        assertThat(text.indexOf("== host ==")).isLessThan(text.indexOf("== web =="));
    }

    private static byte[] readWeb(TestRoot root) {
        try {
            return java.nio.file.Files.readAllBytes(root.path().resolve(".jvirtio/domain-xml/1-web.xml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static VmCgroup cgroup(HostFacts facts, String guest) {
        return facts.vmCgroups().stream().filter(g -> g.guestName().equals(guest)).findFirst().orElseThrow();
    }
}
