package dev.jvirtio.tune.host;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cgroup of one virtual machine with its CPU controls, and those of its per-thread child
 * groups (libvirt's {@code vcpuN}, {@code emulator}, {@code iothreadN}).
 *
 * <p>Found under {@code machine.slice} (systemd: {@code machine-qemu\x2d1\x2dweb.scope}) or
 * {@code machine} (libvirt without systemd: {@code qemu-1-web.libvirt-qemu}) of the cgroup v2
 * mount and of the v1 {@code cpu} controller's mount, and from the cgroups of running QEMU
 * processes.
 *
 * @param guestName the guest name decoded from the group's name, or the group's name itself
 * @param cpu       the group's own controls
 * @param threads   the child groups' controls, in name order
 */
public record VmCgroup(String guestName, CgroupCpu cpu, List<CgroupCpu> threads) {

    private static final Pattern SYSTEMD_SCOPE = Pattern.compile("machine-qemu-\\d+-(.+)\\.scope");
    private static final Pattern LIBVIRT_GROUP = Pattern.compile("(?:qemu-\\d+-)?(.+)\\.libvirt-qemu");
    private static final Pattern THREAD_GROUP = Pattern.compile("vcpu\\d{1,5}|emulator|iothread\\d{1,5}");

    public VmCgroup {
        Objects.requireNonNull(guestName, "guestName");
        Objects.requireNonNull(cpu, "cpu");
        threads = List.copyOf(threads);
    }

    /** The child groups of vCPU threads ({@code vcpuN}). */
    public List<CgroupCpu> vcpus() {
        return threads.stream().filter(t -> t.name().startsWith("vcpu")).toList();
    }

    /**
     * Finds the VM cgroups of both hierarchies.
     *
     * @param processCgroups the cgroup paths of running QEMU processes, as
     *                       {@code /proc/PID/cgroup} gives them: {@code "2:/machine.slice/..."}
     *                       for v2, {@code "1:/machine/..."} for the v1 cpu controller
     */
    static List<VmCgroup> readAll(FactRoot root, List<Mount> mounts, List<String> processCgroups) {
        Map<String, Integer> groups = new LinkedHashMap<>();
        List<String> v2 = new ArrayList<>();
        List<String> v1 = new ArrayList<>();
        for (Mount mount : mounts) {
            if (mount.fsType().equals("cgroup2")) {
                v2.add(mount.mountPoint());
            } else if (mount.fsType().equals("cgroup") && mount.hasOption("cpu")) {
                v1.add(mount.mountPoint());
            }
        }
        if (v2.isEmpty() && v1.isEmpty() && root.exists("/sys/fs/cgroup/cgroup.controllers")) {
            v2.add("/sys/fs/cgroup");
        }
        for (String mount : v2) {
            scan(root, mount, 2, groups);
        }
        for (String mount : v1) {
            scan(root, mount, 1, groups);
        }
        for (String entry : processCgroups) {
            int colon = entry.indexOf(':');
            int version = entry.startsWith("2:") ? 2 : 1;
            String path = entry.substring(colon + 1).replaceAll("/(libvirt/)?(emulator|vcpu\\d+)$", "");
            if (path.equals("/") || path.isEmpty() || path.contains("/../")) {
                continue;
            }
            for (String mount : version == 2 ? v2 : v1) {
                String dir = trimSlash(mount) + path;
                if (groups.keySet().stream().noneMatch(known -> dir.equals(known) || dir.startsWith(known + "/"))
                        && root.isDirectory(dir)) {
                    groups.put(dir, version);
                }
            }
        }
        List<VmCgroup> result = new ArrayList<>();
        groups.forEach((dir, version) -> result.add(readGroup(root, dir, version)));
        return result;
    }

    /** The guest name a VM cgroup's directory name stands for. */
    static String guestNameOf(String groupName) {
        String name = unescapeSystemd(groupName);
        Matcher scope = SYSTEMD_SCOPE.matcher(name);
        if (scope.matches()) {
            return scope.group(1);
        }
        Matcher libvirt = LIBVIRT_GROUP.matcher(name);
        if (libvirt.matches()) {
            return libvirt.group(1);
        }
        return name;
    }

    /** Decodes systemd's unit-name escapes ({@code \x2d} is {@code -}). */
    static String unescapeSystemd(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\\' && i + 3 < bytes.length && bytes[i + 1] == 'x'
                    && hex(bytes[i + 2]) >= 0 && hex(bytes[i + 3]) >= 0) {
                out.write(hex(bytes[i + 2]) << 4 | hex(bytes[i + 3]));
                i += 3;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void scan(FactRoot root, String mount, int version, Map<String, Integer> groups) {
        for (String parent : List.of("machine.slice", "machine")) {
            String dir = trimSlash(mount) + "/" + parent;
            for (String name : root.list(dir)) {
                String unescaped = unescapeSystemd(name);
                if (SYSTEMD_SCOPE.matcher(unescaped).matches() || LIBVIRT_GROUP.matcher(unescaped).matches()
                        || unescaped.startsWith("machine-") && unescaped.endsWith(".scope")) {
                    groups.putIfAbsent(dir + "/" + name, version);
                }
            }
        }
    }

    private static VmCgroup readGroup(FactRoot root, String dir, int version) {
        List<CgroupCpu> threads = new ArrayList<>();
        for (String sub : List.of(dir, dir + "/libvirt")) {
            for (String name : root.list(sub)) {
                if (THREAD_GROUP.matcher(name).matches() && root.isDirectory(sub + "/" + name)) {
                    threads.add(CgroupCpu.read(root, sub + "/" + name, version));
                }
            }
        }
        threads.sort((a, b) -> compareNatural(a.name(), b.name()));
        String name = dir.substring(dir.lastIndexOf('/') + 1);
        return new VmCgroup(guestNameOf(name), CgroupCpu.read(root, dir, version), threads);
    }

    private static int compareNatural(String a, String b) {
        String pa = a.replaceAll("\\d+$", "");
        String pb = b.replaceAll("\\d+$", "");
        if (!pa.equals(pb)) {
            return pa.compareTo(pb);
        }
        String na = a.substring(pa.length());
        String nb = b.substring(pb.length());
        return Long.compare(na.isEmpty() ? -1 : Long.parseLong(na), nb.isEmpty() ? -1 : Long.parseLong(nb));
    }

    private static String trimSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static int hex(byte b) {
        return Character.digit(b, 16);
    }
}
