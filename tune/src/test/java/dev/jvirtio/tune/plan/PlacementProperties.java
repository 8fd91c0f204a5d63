package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.guest.Balloon;
import dev.jvirtio.tune.guest.CpuTune;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.MemoryBacking;
import dev.jvirtio.tune.guest.NumaTune;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.NumaNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever guests a two-socket SMT host is asked to run, the placement keeps the promises of
 * CPU-PIN: reserved CPUs stay free, a guest that gets cores gets whole cores on one node with its
 * vCPUs paired on SMT siblings, no core is split between guests, and emulator threads never run on
 * a CPU that holds a vCPU of its own.
 */
class PlacementProperties {

    private static final HostFacts HOST = HostFacts.read(FactRoot.of(TestRoot.fixture("numa-host")));

    record Shape(int vcpus, int memoryGiB) {
    }

    @Provide
    Arbitrary<List<Shape>> guests() {
        return Combinators.combine(Arbitraries.integers().between(1, 10), Arbitraries.integers().between(1, 48))
                .as(Shape::new).list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 200)
    void placements_keep_the_cpu_pin_promises(@ForAll("guests") List<Shape> shapes,
                                              @ForAll @IntRange(min = 0, max = 15) int reservedCpu) {
        List<Guest> guests = new ArrayList<>();
        Map<String, EditableDomain> editable = new HashMap<>();
        for (int i = 0; i < shapes.size(); i++) {
            String name = "g" + i;
            guests.add(guest(name, shapes.get(i)));
            editable.put(name, EditableDomain.file(new DomainFile(Path.of("/guests/" + name + ".xml")), "<domain/>"));
        }
        CpuSet reserved = CpuSet.of(reservedCpu);
        PlanContext c = new PlanContext(FactRoot.of(TestRoot.fixture("numa-host")), HOST, guests, editable,
                new PlanOptions(reserved, Map.of(), false));

        PlacementPlanner.plan(c);

        assertThat(c.placements.keySet()).containsExactlyInAnyOrderElementsOf(editable.keySet());
        Map<Integer, String> coreOwner = new HashMap<>();
        for (Placement p : c.placements.values()) {
            assertThat(p.vcpus()).hasSize(shapes.get(Integer.parseInt(p.guest().substring(1))).vcpus());
            assertThat(p.vcpuCpus().intersects(reserved)).as(p + " avoids the reserved CPU").isFalse();
            assertThat(p.housekeeping().intersects(reserved)).as(p + " housekeeping avoids the reserved CPU").isFalse();
            if (p.shared()) {
                assertThat(c.notes).anySatisfy(n -> assertThat(n).startsWith(p.guest() + ":").contains("CPU-OVERCOMMIT"));
                continue;
            }
            assertThat(p.nodes().size()).isEqualTo(1);
            NumaNode node = HOST.nodes().get(p.nodes().toArray()[0]);
            assertThat(node.cpus().containsAll(p.vcpuCpus())).as(p + " on one node").isTrue();
            assertThat(p.housekeeping().intersects(p.vcpuCpus())).as(p + " emulator apart").isFalse();
            for (int vcpu = 0; vcpu < p.vcpus().size(); vcpu++) {
                assertThat(p.vcpus().get(vcpu).size()).isEqualTo(1);
                int cpu = p.vcpus().get(vcpu).toArray()[0];
                if (vcpu % 2 == 1) {
                    int previous = p.vcpus().get(vcpu - 1).toArray()[0];
                    assertThat(HOST.cpu().siblingsOf(previous).contains(cpu)).as(p + " pairs siblings").isTrue();
                }
                int core = HOST.cpu().siblingsOf(cpu).toArray()[0];
                String owner = coreOwner.putIfAbsent(core, p.guest());
                assertThat(owner == null || owner.equals(p.guest())).as("core of CPU " + cpu + " shared by " + owner
                        + " and " + p.guest()).isTrue();
            }
        }
    }

    private static Guest guest(String name, Shape shape) {
        return new Guest(name, "/guests/" + name + ".xml", shape.vcpus(), List.of(), "", 0,
                (long) shape.memoryGiB() << 20, MemoryBacking.DEFAULT, List.of(), List.of(), Balloon.of("virtio"),
                List.of(), CpuTune.NONE, NumaTune.NONE, List.of());
    }
}
