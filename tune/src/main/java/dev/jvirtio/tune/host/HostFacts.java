package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the audit reads about the machine at a root: CPUs and caches, NUMA nodes, memory
 * settings, KSM, huge pages, the CPU controls of VM cgroups, block devices, mounts, network
 * interfaces, device nodes, IOMMU groups, whether the machine is itself a guest, and the running
 * QEMU processes.
 *
 * <p>Read once by {@link #read(FactRoot)}; nothing read can make it throw. What could not be read or
 * parsed is listed in {@link #problems()}.
 *
 * @param root           where the facts were read ({@code /} for the live machine)
 * @param kernelRelease  {@code /proc/sys/kernel/osrelease}, "" when unknown
 * @param cpu            CPU topology and caches
 * @param nodes          NUMA nodes; empty when the kernel exposes none
 * @param memory         total memory and swap
 * @param vm             {@code /proc/sys/vm} settings
 * @param ksm            KSM state
 * @param thp            transparent huge pages
 * @param hugepages      the host-wide huge page pools
 * @param vmCgroups      VM cgroups and their CPU controls
 * @param blockDevices   block devices
 * @param mounts         mounted file systems
 * @param netDevices     network interfaces
 * @param devices        device nodes for virtualization
 * @param iommuGroups    IOMMU groups (empty when the IOMMU is off)
 * @param virtualization whether the machine is itself a guest
 * @param virtioDevices  the virtio devices of a guest ({@code /sys/bus/virtio/devices}); empty on
 *                       most hosts
 * @param qemuProcesses  running QEMU processes
 * @param problems       what could not be read or parsed, one sentence each
 */
public record HostFacts(String root, String kernelRelease, CpuTopology cpu, List<NumaNode> nodes, MemoryInfo memory,
                        VmSysctls vm, Ksm ksm, Thp thp, List<HugePagePool> hugepages, List<VmCgroup> vmCgroups,
                        List<BlockDevice> blockDevices, List<Mount> mounts, List<NetDevice> netDevices,
                        DeviceNodes devices, List<IommuGroup> iommuGroups, Virtualization virtualization,
                        List<VirtioDevice> virtioDevices, List<QemuProcess> qemuProcesses, List<String> problems) {

    public HostFacts {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(kernelRelease, "kernelRelease");
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(ksm, "ksm");
        Objects.requireNonNull(thp, "thp");
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(virtualization, "virtualization");
        nodes = List.copyOf(nodes);
        hugepages = List.copyOf(hugepages);
        vmCgroups = List.copyOf(vmCgroups);
        blockDevices = List.copyOf(blockDevices);
        mounts = List.copyOf(mounts);
        netDevices = List.copyOf(netDevices);
        iommuGroups = List.copyOf(iommuGroups);
        virtioDevices = List.copyOf(virtioDevices);
        qemuProcesses = List.copyOf(qemuProcesses);
        problems = List.copyOf(problems);
    }

    /** Reads every fact through {@code root}. Never throws for what the files hold. */
    public static HostFacts read(FactRoot root) {
        String release = root.readLine("/proc/sys/kernel/osrelease").orElse("");
        CpuTopology cpu = CpuTopology.read(root);
        List<NumaNode> nodes = NumaNode.readAll(root);
        MemoryInfo memory = MemoryInfo.read(root);
        VmSysctls vm = VmSysctls.read(root);
        Ksm ksm = Ksm.read(root, release);
        Thp thp = Thp.read(root);
        List<HugePagePool> hugepages = HugePagePool.readAll(root, "/sys/kernel/mm/hugepages");
        List<Mount> mounts = Mount.readAll(root);
        List<QemuProcess> processes = QemuProcess.readAll(root);
        List<String> processCgroups = new ArrayList<>();
        processes.forEach(p -> processCgroups.addAll(p.cgroups()));
        List<VmCgroup> cgroups = VmCgroup.readAll(root, mounts, processCgroups);
        List<BlockDevice> blocks = BlockDevice.readAll(root);
        List<NetDevice> nets = NetDevice.readAll(root);
        DeviceNodes devices = DeviceNodes.read(root);
        List<IommuGroup> iommu = IommuGroup.readAll(root);
        Virtualization virtualization = Virtualization.read(root);
        List<VirtioDevice> virtio = VirtioDevice.readAll(root);
        return new HostFacts(root.path().toString(), release, cpu, nodes, memory, vm, ksm, thp, hugepages, cgroups,
                blocks, mounts, nets, devices, iommu, virtualization, virtio, processes, root.problems());
    }

    /**
     * One line about the machine for a report's heading: whether it is a guest, its CPUs, nodes,
     * memory and kernel, such as {@code "host, 16 CPUs (2 sockets, SMT), 2 NUMA nodes, 125.7 GiB,
     * Linux 6.1.0-18-amd64"}.
     */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(virtualization.insideGuest() ? "guest (" + virtualization.evidence() + ")" : "host");
        if (!cpu.cpus().isEmpty()) {
            parts.add(cpu.cpus().size() + " CPUs (" + cpu.sockets() + " socket" + (cpu.sockets() == 1 ? "" : "s")
                    + (cpu.smt() ? ", SMT" : "") + ")");
        }
        parts.add(nodeCount() + " NUMA node" + (nodeCount() == 1 ? "" : "s"));
        memory.totalKiB().ifPresent(kib -> parts.add(String.format(java.util.Locale.ROOT, "%.1f GiB", kib / 1048576.0)));
        if (!kernelRelease.isEmpty()) {
            parts.add("Linux " + kernelRelease);
        }
        return String.join(", ", parts);
    }

    /** The number of NUMA nodes with CPUs or memory; 1 when the kernel shows none. */
    public int nodeCount() {
        return Math.max(1, nodes.size());
    }

    /** True when the machine has more than one NUMA node. */
    public boolean numa() {
        return nodes.size() > 1;
    }

    /** The NUMA node of {@code cpu}, if known. */
    public Optional<NumaNode> nodeOf(int cpu) {
        return nodes.stream().filter(n -> n.cpus().contains(cpu)).findFirst();
    }

    /** The NUMA nodes whose CPUs intersect {@code cpus}. */
    public List<NumaNode> nodesOf(CpuSet cpus) {
        return nodes.stream().filter(n -> n.cpus().intersects(cpus)).toList();
    }

    /**
     * True when this machine runs or can run guests: it is not itself a guest, or it has
     * {@code /dev/kvm}, or QEMU processes are running.
     */
    public boolean hostsGuests() {
        return !virtualization.insideGuest() || devices.kvm() || !qemuProcesses.isEmpty();
    }

    /** The host-wide pool of {@code sizeKiB} pages, if the kernel has one. */
    public Optional<HugePagePool> pool(long sizeKiB) {
        return hugepages.stream().filter(p -> p.sizeKiB() == sizeKiB).findFirst();
    }

    /** The default huge page size in KiB ({@code Hugepagesize} of meminfo), else 2048. */
    public long defaultHugepageKiB() {
        return memory.hugepageKiB().orElse(2048);
    }
}
