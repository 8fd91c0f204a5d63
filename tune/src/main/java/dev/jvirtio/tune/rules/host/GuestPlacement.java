package dev.jvirtio.tune.rules.host;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.VcpuPin;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.QemuProcess;
import dev.jvirtio.tune.host.QemuThread;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where a guest's vCPUs may run: its configured {@code vcpupin}s, or for a guest found as a running
 * process, the affinity of its vCPU threads when that is narrower than all online CPUs.
 *
 * @param guest  the guest's name
 * @param vcpus  the guest's vCPU count
 * @param pins   vCPU number to the host CPUs it may run on; only pinned vCPUs appear
 * @param origin where the pins came from ({@code "vcpupin"}, {@code "thread affinity of pid N"})
 * @param notes  pins that could not be understood
 */
record GuestPlacement(String guest, int vcpus, Map<Integer, CpuSet> pins, String origin, List<String> notes) {

    GuestPlacement {
        pins = Map.copyOf(pins);
        notes = List.copyOf(notes);
    }

    static GuestPlacement of(Guest guest, HostFacts host) {
        Map<Integer, CpuSet> pins = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        for (VcpuPin pin : guest.vcpuPins()) {
            Optional<CpuSet> set = CpuSet.tryParse(pin.cpuset());
            if (set.isPresent() && !set.get().isEmpty()) {
                pins.put(pin.vcpu(), set.get());
            } else {
                notes.add("vCPU " + pin.vcpu() + " has an unreadable cpuset '" + pin.cpuset() + "'");
            }
        }
        if (!pins.isEmpty() || notes.size() > 0) {
            return new GuestPlacement(guest.name(), guest.vcpus(), pins, "vcpupin", notes);
        }
        Optional<QemuProcess> process = processOf(guest, host);
        if (process.isPresent()) {
            CpuSet online = host.cpu().online();
            for (QemuThread thread : process.get().vcpuThreads()) {
                CpuSet.tryParse(thread.cpusAllowed()).filter(set -> !set.isEmpty() && !set.containsAll(online))
                        .ifPresent(set -> pins.put(thread.vcpu(), set));
            }
            return new GuestPlacement(guest.name(), guest.vcpus(), pins,
                    "thread affinity of pid " + process.get().pid(), notes);
        }
        return new GuestPlacement(guest.name(), guest.vcpus(), pins, "vcpupin", notes);
    }

    /** The running process a guest was read from ({@code source "pid N"}), if it is among the facts. */
    static Optional<QemuProcess> processOf(Guest guest, HostFacts host) {
        if (!guest.source().startsWith("pid ")) {
            return Optional.empty();
        }
        String pid = guest.source().substring(4).trim();
        return host.qemuProcesses().stream().filter(p -> Integer.toString(p.pid()).equals(pid)).findFirst();
    }

    /** True when at least one vCPU is pinned. */
    boolean pinned() {
        return !pins.isEmpty();
    }

    /** The vCPUs with no pin. */
    int unpinned() {
        return Math.max(0, vcpus - pins.size());
    }

    /** Every host CPU some vCPU of the guest is pinned to. */
    CpuSet cpus() {
        CpuSet all = CpuSet.empty();
        for (CpuSet set : pins.values()) {
            all = all.union(set);
        }
        return all;
    }
}
