package dev.jvirtio.tune.host;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A running QEMU process found under {@code /proc}: one whose {@code argv[0]} is
 * {@code qemu-system-*} or {@code qemu-kvm}.
 *
 * @param pid     the process id
 * @param argv    the command line
 * @param threads its threads, by thread id
 * @param cgroups its cgroups as {@code "2:/machine.slice/..."} (unified hierarchy) or
 *                {@code "1:/machine/..."} (the v1 {@code cpu} controller)
 */
public record QemuProcess(int pid, List<String> argv, List<QemuThread> threads, List<String> cgroups) {

    /** Processes beyond this many are not inspected, to bound the work on a crowded host. */
    static final int MAX_PROCESSES = 512;

    public QemuProcess {
        argv = List.copyOf(argv);
        threads = List.copyOf(threads);
        cgroups = List.copyOf(cgroups);
    }

    /** The vCPU threads ({@code CPU N/KVM}), in vCPU order. */
    public List<QemuThread> vcpuThreads() {
        return threads.stream().filter(t -> t.vcpu() >= 0)
                .sorted((a, b) -> Integer.compare(a.vcpu(), b.vcpu())).toList();
    }

    /** True when {@code argv0} names a QEMU system emulator. */
    static boolean isQemu(String argv0) {
        String base = argv0.substring(argv0.lastIndexOf('/') + 1);
        return base.startsWith("qemu-system-") || base.equals("qemu-kvm");
    }

    static List<QemuProcess> readAll(FactRoot root) {
        List<QemuProcess> processes = new ArrayList<>();
        for (String name : root.list("/proc")) {
            if (!name.matches("[0-9]{1,9}") || processes.size() >= MAX_PROCESSES) {
                continue;
            }
            String dir = "/proc/" + name;
            Optional<byte[]> raw = root.readRawUnrecorded(dir + "/cmdline");
            if (raw.isEmpty() || raw.get().length == 0) {
                continue;
            }
            List<String> argv = splitNul(raw.get());
            if (argv.isEmpty() || !isQemu(argv.getFirst())) {
                continue;
            }
            root.keep(dir + "/cmdline", raw.get());
            List<QemuThread> threads = new ArrayList<>();
            for (String tid : root.list(dir + "/task")) {
                if (!tid.matches("[0-9]{1,9}")) {
                    continue;
                }
                String task = dir + "/task/" + tid;
                String comm = root.readLine(task + "/comm").orElse("");
                threads.add(new QemuThread(Integer.parseInt(tid), comm, statusField(
                        root.read(task + "/status").orElse(""), "Cpus_allowed_list")));
            }
            threads.sort((a, b) -> Integer.compare(a.tid(), b.tid()));
            processes.add(new QemuProcess(Integer.parseInt(name), argv, threads,
                    cgroups(root.read(dir + "/cgroup").orElse(""))));
        }
        return processes;
    }

    /** The value of a {@code status} field ({@code "Cpus_allowed_list:\t0-3"}), "" when absent. */
    static String statusField(String status, String field) {
        for (String line : status.split("\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return "";
    }

    /** The unified and {@code cpu}-controller entries of a {@code /proc/PID/cgroup} text. */
    static List<String> cgroups(String text) {
        List<String> result = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                result.add("2:" + parts[2].trim());
            } else if (Arrays.asList(parts[1].split(",")).contains("cpu")) {
                result.add("1:" + parts[2].trim());
            }
        }
        return result;
    }

    private static List<String> splitNul(byte[] bytes) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == 0) {
                if (i > start || i < bytes.length) {
                    args.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return args;
    }
}
