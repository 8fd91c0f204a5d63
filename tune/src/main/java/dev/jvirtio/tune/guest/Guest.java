package dev.jvirtio.tune.guest;

import java.util.List;
import java.util.Objects;

/**
 * One guest's configuration, read from a libvirt domain XML or a QEMU command line. Both sources
 * are mapped onto the same model so that every rule reads one shape. Lists are immutable and never
 * null; {@code balloon} is null when the configuration has no balloon device.
 *
 * @param name           the guest's name
 * @param source         where it was read: a file path, {@code "libvirt:URI"} or {@code "pid N"}
 * @param vcpus          the number of vCPUs
 * @param vcpuPins       the pinned vCPUs (empty when none is pinned)
 * @param emulatorPin    the host CPU set of the emulator threads, "" when not pinned
 * @param iothreads      the number of IOThreads
 * @param memoryKiB      the guest RAM in KiB
 * @param memory         how that RAM is backed
 * @param disks          the disks, in configuration order
 * @param nics           the network interfaces, in configuration order
 * @param balloon        the memory balloon, or null when the guest has none
 * @param hostDevices    PCI addresses of passed-through host devices ({@code 0000:03:00.0})
 * @param cputune        CFS bandwidth and weight
 * @param numatune       memory placement
 * @param problems       warnings from reading the configuration (unknown values, unreadable parts)
 * @param legacyOptions  the QEMU options written in the legacy syntax ({@code -hda}, {@code -drive}
 *                       with a bus, {@code -net}, {@code -balloon}), each as {@code "-opt value"};
 *                       always empty for libvirt domains
 */
public record Guest(String name, String source, int vcpus, List<VcpuPin> vcpuPins, String emulatorPin,
                    int iothreads, long memoryKiB, MemoryBacking memory, List<Disk> disks, List<Nic> nics,
                    Balloon balloon, List<String> hostDevices, CpuTune cputune, NumaTune numatune,
                    List<String> problems, List<String> legacyOptions) {

    public Guest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(emulatorPin, "emulatorPin");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(cputune, "cputune");
        Objects.requireNonNull(numatune, "numatune");
        vcpuPins = List.copyOf(vcpuPins);
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
        hostDevices = List.copyOf(hostDevices);
        problems = List.copyOf(problems);
        legacyOptions = List.copyOf(legacyOptions);
    }

    /** A guest with no legacy-syntax options (every libvirt domain, and modern command lines). */
    public Guest(String name, String source, int vcpus, List<VcpuPin> vcpuPins, String emulatorPin,
                 int iothreads, long memoryKiB, MemoryBacking memory, List<Disk> disks, List<Nic> nics,
                 Balloon balloon, List<String> hostDevices, CpuTune cputune, NumaTune numatune,
                 List<String> problems) {
        this(name, source, vcpus, vcpuPins, emulatorPin, iothreads, memoryKiB, memory, disks, nics,
                balloon, hostDevices, cputune, numatune, problems, List.of());
    }
}
