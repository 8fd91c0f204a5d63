package dev.jvirtio.tune.guest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a QEMU command line into a {@link Guest}, in the legacy syntax ({@code -hda},
 * {@code -drive if=virtio}, {@code -net nic}/{@code -net tap}, {@code -balloon}) and in the modern
 * one ({@code -device}, {@code -blockdev} in key=value or JSON form, {@code -drive if=none},
 * {@code -netdev}, {@code -nic}, {@code -object iothread}, {@code -object memory-backend-*},
 * {@code -numa}, {@code -chardev}).
 *
 * <p>Option values follow QEMU's syntax: comma-separated {@code key=value} with {@code ,,} for a
 * literal comma. Options the model does not need are ignored; values that cannot be read are noted
 * in {@link Guest#problems()}. The parser never throws for a bad command line.
 */
public final class QemuCommandLineParser {

    /** Options that take no argument (QEMU's qemu-options.hx, HAS_ARG absent). */
    private static final Set<String> NO_ARGUMENT = Set.of("enable-kvm", "no-kvm", "nographic", "no-reboot",
            "no-shutdown", "daemonize", "S", "s", "snapshot", "nodefaults", "no-user-config", "nodefconfig",
            "no-hpet", "no-acpi", "full-screen", "usb", "win2k-hack", "no-fd-bootchk", "no-quit", "mem-prealloc",
            "enable-fips", "preconfig", "version", "help", "h", "alt-grab", "ctrl-grab", "no-frame", "curses",
            "portrait", "semihosting", "xen-attach", "only-migratable", "no-kvm-irqchip", "no-kvm-pit",
            "no-kvm-pit-reinjection", "rtc-td-hack", "old-param", "singlestep", "msg-timestamp");

    private static final Set<String> FORMAT_DRIVERS = Set.of("raw", "qcow2", "qcow", "vmdk", "vdi", "vpc",
            "vhdx", "qed", "luks", "parallels", "dmg", "bochs", "cloop");
    private static final Set<String> NETWORK_DRIVERS = Set.of("nbd", "rbd", "iscsi", "gluster", "ssh", "http",
            "https", "ftp", "ftps", "nfs", "curl");

    /** More vCPUs than any QEMU machine type accepts. */
    static final int MAX_VCPUS = 4096;

    private QemuCommandLineParser() {
    }

    /**
     * Parses one command line.
     *
     * @param argv   the words of the command line, the QEMU binary first (a first word starting with
     *               {@code -} is taken as an option)
     * @param source where it came from: a file path or {@code "pid N"}
     */
    public static Guest parse(List<String> argv, String source) {
        return new Reading(source).read(argv);
    }

    /** A -drive, -hdX, -cdrom or positional image. */
    private record Drive(QemuOptions options, boolean legacy) {
    }

    /** The mutable state of reading one command line. */
    private static final class Reading {
        private final String source;
        private final List<String> problems = new ArrayList<>();
        private final List<String> legacy = new ArrayList<>();
        private String name = "";
        private int vcpus = 1;
        private long memoryKiB = 128 * 1024;
        private final List<Drive> drives = new ArrayList<>();
        private final Map<String, QemuOptions> drivesById = new HashMap<>();
        private final Map<String, QemuOptions> blockdevs = new HashMap<>();
        private final List<QemuOptions> devices = new ArrayList<>();
        private final Map<String, QemuOptions> devicesById = new HashMap<>();
        private final Map<String, QemuOptions> netdevs = new HashMap<>();
        private final List<QemuOptions> nicShorthands = new ArrayList<>();
        private final List<QemuOptions> legacyNets = new ArrayList<>();
        private final Map<String, QemuOptions> chardevs = new HashMap<>();
        private final Map<String, QemuOptions> objects = new LinkedHashMap<>();
        private final List<QemuOptions> numaNodes = new ArrayList<>();
        private QemuOptions machine = QemuOptions.parse("", "type");
        private String memPath = "";
        private boolean locked;
        private boolean nodefaults;
        private Balloon legacyBalloon;
        private boolean legacyBalloonSeen;

        Reading(String source) {
            this.source = source;
        }

        Guest read(List<String> argv) {
            int i = !argv.isEmpty() && argv.get(0).startsWith("-") ? 0 : 1;
            while (i < argv.size()) {
                String word = argv.get(i);
                if (word.length() > 1 && word.startsWith("-")) {
                    String option = word.startsWith("--") ? word.substring(2) : word.substring(1);
                    boolean hasNext = i + 1 < argv.size();
                    if (NO_ARGUMENT.contains(option)) {
                        flag(option);
                        i++;
                    } else if (!known(option) && (!hasNext || argv.get(i + 1).startsWith("-"))) {
                        i++;
                    } else if (!hasNext) {
                        problems.add("option -" + option + " has no value");
                        i++;
                    } else {
                        try {
                            option(option, argv.get(i + 1));
                        } catch (IllegalArgumentException e) {
                            problems.add("-" + option + " " + argv.get(i + 1) + ": " + e.getMessage());
                        }
                        i += 2;
                    }
                } else {
                    legacy.add(word);
                    drives.add(new Drive(QemuOptions.parse("file=" + word.replace(",", ",,")
                            + ",if=ide,index=0", null), true));
                    i++;
                }
            }
            return build();
        }

        private static boolean known(String option) {
            return switch (option) {
                case "name", "m", "smp", "machine", "M", "drive", "hda", "hdb", "hdc", "hdd", "cdrom",
                     "blockdev", "device", "netdev", "nic", "net", "chardev", "object", "numa", "balloon",
                     "mem-path", "overcommit", "realtime", "accel", "cpu", "memory" -> true;
                default -> false;
            };
        }

        private void flag(String option) {
            if (option.equals("nodefaults")) {
                nodefaults = true;
            }
        }

        private void option(String option, String value) {
            switch (option) {
                case "name" -> name = QemuOptions.parse(value, "guest").get("guest");
                case "m", "memory" -> {
                    QemuOptions m = QemuOptions.parse(value, "size");
                    if (m.has("size")) {
                        memoryKiB = SizeText.qemuKiB(m.get("size"), 1L << 20);
                    }
                }
                case "smp" -> vcpus = smp(QemuOptions.parse(value, "cpus"));
                case "machine", "M" -> machine = QemuOptions.parse(value, "type");
                case "drive" -> {
                    QemuOptions d = QemuOptions.parse(value, null);
                    String bus = d.find("if").orElse("ide");
                    if (bus.equals("none")) {
                        drivesById.put(d.get("id"), d);
                    } else {
                        legacy.add("-drive " + value);
                        drives.add(new Drive(d, true));
                    }
                }
                case "hda", "hdb", "hdc", "hdd" -> {
                    legacy.add("-" + option + " " + value);
                    drives.add(new Drive(QemuOptions.parse("file=" + value.replace(",", ",,") + ",if=ide,index="
                            + (option.charAt(2) - 'a'), null), true));
                }
                case "cdrom" -> drives.add(new Drive(QemuOptions.parse("file=" + value.replace(",", ",,")
                        + ",if=ide,index=2,media=cdrom", null), false));
                case "blockdev" -> {
                    QemuOptions b = QemuOptions.parse(value, null);
                    if (b.get("node-name").isEmpty()) {
                        problems.add("-blockdev without node-name: " + value);
                    } else {
                        blockdevs.put(b.get("node-name"), b);
                    }
                }
                case "device" -> {
                    QemuOptions d = QemuOptions.parse(value, "driver");
                    devices.add(d);
                    if (d.has("id")) {
                        devicesById.put(d.get("id"), d);
                    }
                }
                case "netdev" -> {
                    QemuOptions n = QemuOptions.parse(value, "type");
                    netdevs.put(n.get("id"), n);
                }
                case "nic" -> nicShorthands.add(QemuOptions.parse(value, "type"));
                case "net" -> {
                    legacy.add("-net " + value);
                    legacyNets.add(QemuOptions.parse(value, "type"));
                }
                case "chardev" -> {
                    QemuOptions c = QemuOptions.parse(value, "backend");
                    chardevs.put(c.get("id"), c);
                }
                case "object" -> {
                    QemuOptions o = QemuOptions.parse(value, "qom-type");
                    objects.put(o.get("id"), o);
                }
                case "numa" -> numaNodes.add(QemuOptions.parse(value, "type"));
                case "balloon" -> {
                    legacy.add("-balloon " + value);
                    legacyBalloonSeen = true;
                    String model = QemuOptions.parse(value, "model").get("model");
                    legacyBalloon = model.equals("none") ? null : Balloon.of(model);
                }
                case "mem-path" -> memPath = value;
                case "overcommit" -> locked |= QemuOptions.parse(value, null).flag("mem-lock", false);
                case "realtime" -> locked |= QemuOptions.parse(value, null).flag("mlock", false);
                default -> {
                    // Options that do not change the model (-accel, -cpu, -display, ...) are ignored.
                }
            }
        }

        private static int smp(QemuOptions o) {
            if (o.has("cpus") && !o.get("cpus").isEmpty()) {
                return positive(o.get("cpus"), "cpus");
            }
            long n = 1;
            for (String k : List.of("sockets", "dies", "clusters", "cores", "threads")) {
                if (o.has(k)) {
                    n *= positive(o.get(k), k);
                    if (n > MAX_VCPUS) {
                        throw new IllegalArgumentException("the topology gives more than " + MAX_VCPUS + " vCPUs");
                    }
                }
            }
            return (int) n;
        }

        private static int positive(String v, String what) {
            try {
                int n = Integer.parseInt(v.trim());
                if (n < 1 || n > MAX_VCPUS) {
                    throw new IllegalArgumentException(what + "=" + v + " is not a count from 1 to " + MAX_VCPUS);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + "=" + v + " is not a number");
            }
        }

        private Guest build() {
            if (name.isEmpty()) {
                name = source.startsWith("pid ") ? "qemu-" + source.substring(4).trim()
                        : DomainXmlParser.fallbackName(source);
            }
            List<Disk> disks = new ArrayList<>();
            Map<String, Integer> perBus = new HashMap<>();
            for (Drive d : drives) {
                Disk disk = legacyDrive(d.options(), perBus);
                if (disk != null) {
                    disks.add(disk);
                }
            }
            List<Nic> nics = new ArrayList<>();
            List<String> hostDevices = new ArrayList<>();
            Balloon balloon = legacyBalloonSeen ? legacyBalloon : null;
            boolean q35 = machine.get("type").contains("q35");
            for (QemuOptions dev : devices) {
                String driver = dev.get("driver");
                String bus = storageBus(driver, dev, q35);
                if (bus != null) {
                    disks.add(deviceDisk(dev, bus, perBus));
                } else if (isNic(driver, dev)) {
                    nics.add(deviceNic(dev));
                } else if (driver.startsWith("virtio-balloon")) {
                    balloon = new Balloon("virtio", dev.flag("free-page-reporting", false), 0,
                            dev.flag("deflate-on-oom", false));
                } else if (driver.equals("vfio-pci") || driver.equals("pci-assign")) {
                    String host = dev.get("host");
                    if (host.isEmpty() && dev.has("sysfsdev")) {
                        String s = dev.get("sysfsdev");
                        host = s.substring(s.lastIndexOf('/') + 1);
                    }
                    if (host.matches("[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
                        host = "0000:" + host;
                    }
                    hostDevices.add(host.toLowerCase(Locale.ROOT));
                }
            }
            for (QemuOptions n : nicShorthands) {
                String type = n.get("type");
                nics.add(new Nic(nicModel(n.find("model").orElse("e1000")), backendName(type),
                        type.equals("tap") && (n.flag("vhost", false) || n.has("vhostfd")), queues(n),
                        n.get("ifname")));
            }
            nics.addAll(legacyNics());
            if (nics.isEmpty() && !nodefaults && netdevs.isEmpty() && legacyNets.isEmpty() && nicShorthands.isEmpty()) {
                nics.add(new Nic("e1000", "user", false, 0, ""));
                problems.add("no network option: QEMU adds its default NIC, an emulated e1000 on user-mode networking");
            }
            int iothreads = (int) objects.values().stream().filter(o -> o.get("qom-type").equals("iothread")).count();
            List<String> numaTuneOut = new ArrayList<>();
            MemoryBacking backing = memoryBacking(numaTuneOut);
            NumaTune numa = numaTuneOut.isEmpty() ? NumaTune.NONE : new NumaTune(numaTuneOut.get(0), numaTuneOut.get(1));
            return new Guest(name, source, vcpus, List.of(), "", iothreads, memoryKiB, backing, disks, nics,
                    balloon, hostDevices, CpuTune.NONE, numa, problems, legacy);
        }

        private Disk legacyDrive(QemuOptions d, Map<String, Integer> perBus) {
            String bus = d.find("if").orElse("ide");
            String mapped = switch (bus) {
                case "virtio", "ide", "scsi", "sd", "floppy", "pflash", "mtd" -> bus;
                default -> {
                    problems.add("-drive if=" + bus + " is not a bus QEMU knows");
                    yield bus;
                }
            };
            if (mapped.equals("pflash") || mapped.equals("mtd")) {
                return null;
            }
            if (mapped.equals("floppy")) {
                mapped = "fdc";
            }
            String device = d.get("media").equals("cdrom") ? "cdrom" : mapped.equals("fdc") ? "floppy" : "disk";
            String target;
            if (mapped.equals("ide") && d.has("index")) {
                target = "hd" + letter(parseIntOr(d.get("index"), 0));
            } else {
                target = nextTarget(mapped, perBus);
            }
            Chain chain = driveChain(d);
            String cache = d.get("cache");
            if (cache.isEmpty()) {
                cache = cacheMode(chain.direct, chain.noFlush, true, chain.anyCacheKey);
            }
            return new Disk(target, mapped, chain.format, cache, chain.aio, "", chain.sourceType, chain.path,
                    device, 0);
        }

        private String nextTarget(String bus, Map<String, Integer> perBus) {
            String prefix = switch (bus) {
                case "virtio" -> "vd";
                case "ide" -> "hd";
                case "fdc" -> "fd";
                case "sd" -> "mmcblk";
                case "nvme" -> "nvme";
                case "vhost-user" -> "vd";
                default -> "sd";
            };
            int n = perBus.merge(prefix, 1, Integer::sum) - 1;
            return switch (prefix) {
                case "mmcblk", "fd" -> prefix + n;
                case "nvme" -> "nvme" + n + "n1";
                default -> prefix + letter(n);
            };
        }

        private static String letter(int n) {
            return n < 26 ? String.valueOf((char) ('a' + n)) : letter(n / 26 - 1) + (char) ('a' + n % 26);
        }

        private static int parseIntOr(String v, int otherwise) {
            try {
                return Math.max(0, Math.min(1000, Integer.parseInt(v.trim())));
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }

        private String storageBus(String driver, QemuOptions dev, boolean q35) {
            if (driver.startsWith("virtio-blk")) {
                return "virtio";
            }
            if (driver.startsWith("vhost-user-blk")) {
                return "vhost-user";
            }
            if (driver.startsWith("scsi-")) {
                return "scsi";
            }
            if (driver.startsWith("ide-")) {
                String busId = dev.get("bus");
                String controller = busId.contains(".") ? busId.substring(0, busId.indexOf('.')) : busId;
                QemuOptions c = devicesById.get(controller);
                boolean ahci = c != null && c.get("driver").contains("ahci");
                return ahci || q35 ? "sata" : "ide";
            }
            return switch (driver) {
                case "usb-storage", "usb-uas" -> "usb";
                case "nvme" -> "nvme";
                case "sd-card" -> "sd";
                case "floppy" -> "fdc";
                default -> null;
            };
        }

        private Disk deviceDisk(QemuOptions dev, String bus, Map<String, Integer> perBus) {
            String driver = dev.get("driver");
            String device = driver.endsWith("-cd") ? "cdrom" : "disk";
            String iothread = dev.get("iothread");
            int queues = 0;
            if (dev.has("num-queues")) {
                queues = parseIntOr(dev.get("num-queues"), 0);
            }
            if (bus.equals("scsi")) {
                String busId = dev.get("bus");
                String controller = busId.contains(".") ? busId.substring(0, busId.indexOf('.')) : busId;
                QemuOptions c = devicesById.get(controller);
                if (c != null) {
                    if (!c.get("driver").startsWith("virtio-scsi")) {
                        problems.add("disk " + dev.find("id").orElse(dev.get("drive")) + " sits on SCSI controller "
                                + controller + " (" + c.get("driver")
                                + "), which is emulated; virtio-scsi is the paravirtual one");
                    }
                    iothread = c.get("iothread");
                    queues = parseIntOr(c.find("num_queues").orElse(c.get("num-queues")), 0);
                }
            }
            if (!iothread.isEmpty() && !objects.containsKey(iothread)) {
                problems.add("device " + driver + " names iothread " + iothread + ", which no -object iothread defines");
            }
            String target = nextTarget(bus, perBus);
            if (bus.equals("vhost-user")) {
                QemuOptions chardev = chardevs.get(dev.get("chardev"));
                String path = chardev == null ? "" : chardev.get("path");
                if (chardev == null) {
                    problems.add("device " + driver + " names chardev " + dev.get("chardev") + ", which no -chardev defines");
                }
                return new Disk(target, bus, "raw", "", "", iothread, "vhostuser", path, device, queues);
            }
            String drive = dev.get("drive");
            boolean writeCache = dev.flag("write-cache", true);
            QemuOptions legacyDrive = drivesById.get(drive);
            Chain chain;
            String cache;
            if (legacyDrive != null) {
                chain = driveChain(legacyDrive);
                cache = legacyDrive.get("cache");
                if (cache.isEmpty()) {
                    cache = cacheMode(chain.direct, chain.noFlush, writeCache, chain.anyCacheKey || dev.has("write-cache"));
                }
            } else if (blockdevs.containsKey(drive)) {
                chain = new Chain();
                walk(blockdevs.get(drive), chain, new HashSet<>(), 0);
                if (!chain.formatSeen && !chain.sourceType.equals("unknown")) {
                    // A device attached to a protocol node reads its bytes as they are: raw, never probed.
                    chain.format = "raw";
                }
                cache = cacheMode(chain.direct, chain.noFlush, writeCache, true);
            } else {
                if (!drive.isEmpty()) {
                    problems.add("device " + driver + " names drive " + drive + ", which no -drive or -blockdev defines");
                }
                chain = new Chain();
                cache = "";
            }
            return new Disk(target, bus, chain.format, cache, chain.aio, iothread, chain.sourceType, chain.path,
                    device, queues);
        }

        /** What walking a drive's node chain found. */
        private static final class Chain {
            String format = "unknown";
            boolean formatSeen;
            String sourceType = "unknown";
            String path = "";
            String aio = "";
            boolean direct;
            boolean noFlush;
            boolean anyCacheKey;
        }

        private Chain driveChain(QemuOptions d) {
            Chain c = new Chain();
            String format = d.find("format").orElse(d.get("driver"));
            if (!format.isEmpty()) {
                c.format = format;
                c.formatSeen = true;
            }
            c.aio = d.get("aio");
            c.direct = d.flag("cache.direct", false);
            c.noFlush = d.flag("cache.no-flush", false);
            c.anyCacheKey = d.has("cache.direct") || d.has("cache.no-flush");
            String file = d.get("file");
            if (!file.isEmpty()) {
                protocolFromFilename(file, c);
            } else if (!d.child("file").isEmpty()) {
                walk(d.child("file"), c, new HashSet<>(), 1);
            }
            return c;
        }

        private static void protocolFromFilename(String file, Chain c) {
            int colon = file.indexOf(':');
            String scheme = colon > 0 ? file.substring(0, colon) : "";
            if (NETWORK_DRIVERS.contains(scheme) || scheme.equals("sheepdog")) {
                c.sourceType = "network";
            } else if (file.startsWith("/dev/")) {
                c.sourceType = "block";
            } else {
                c.sourceType = "file";
            }
            c.path = file;
        }

        /** Follows format node, filters and protocol node; bounded against reference loops. */
        private void walk(QemuOptions node, Chain c, Set<String> seen, int depth) {
            if (depth > 16) {
                problems.add("block node chain is deeper than 16 nodes");
                return;
            }
            String nodeName = node.get("node-name");
            if (!nodeName.isEmpty() && !seen.add(nodeName)) {
                problems.add("block node " + nodeName + " refers back to itself");
                return;
            }
            String driver = node.get("driver");
            c.direct |= node.flag("cache.direct", false);
            c.noFlush |= node.flag("cache.no-flush", false);
            if (FORMAT_DRIVERS.contains(driver)) {
                if (!c.formatSeen) {
                    c.format = driver;
                    c.formatSeen = true;
                }
            } else if (driver.equals("file") || driver.equals("host_device") || driver.equals("host_cdrom")) {
                c.sourceType = driver.equals("file") ? "file" : "block";
                c.path = node.get("filename");
                if (!node.get("aio").isEmpty()) {
                    c.aio = node.get("aio");
                }
                return;
            } else if (NETWORK_DRIVERS.contains(driver)) {
                c.sourceType = "network";
                c.path = driver + ":" + firstNonEmpty(node.get("filename"), node.get("image"), node.get("path"),
                        node.get("export"), node.get("server.host"), node.get("url"));
                return;
            } else if (driver.startsWith("null-")) {
                c.sourceType = "unknown";
                c.path = driver;
                if (!c.formatSeen) {
                    c.format = "raw";
                }
                return;
            } else if (driver.equals("nvme")) {
                c.sourceType = "block";
                c.path = "nvme:" + node.get("device");
                return;
            }
            String file = node.get("file");
            if (node.has("file") && !file.isEmpty()) {
                QemuOptions next = blockdevs.get(file);
                if (next == null) {
                    if (FORMAT_DRIVERS.contains(driver)) {
                        // -drive style: file= is a filename, not a node reference.
                        protocolFromFilename(file, c);
                    } else {
                        problems.add("block node " + nodeName + " names child " + file + ", which no -blockdev defines");
                    }
                    return;
                }
                walk(next, c, seen, depth + 1);
            } else if (!node.child("file").isEmpty()) {
                walk(node.child("file"), c, seen, depth + 1);
            }
        }

        private static String firstNonEmpty(String... values) {
            for (String v : values) {
                if (!v.isEmpty()) {
                    return v;
                }
            }
            return "";
        }

        /** QEMU's cache modes as combinations of cache.direct, cache.no-flush and write-cache. */
        private static String cacheMode(boolean direct, boolean noFlush, boolean writeCache, boolean explicit) {
            if (!explicit) {
                return "";
            }
            if (noFlush) {
                return "unsafe";
            }
            if (direct) {
                return writeCache ? "none" : "directsync";
            }
            return writeCache ? "writeback" : "writethrough";
        }

        private static boolean isNic(String driver, QemuOptions dev) {
            if (dev.has("netdev") || driver.startsWith("virtio-net")) {
                return true;
            }
            return switch (driver) {
                case "e1000", "e1000e", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "rtl8139", "ne2k_pci",
                     "ne2k_isa", "pcnet", "vmxnet3", "i82550", "i82551", "i82557a", "i82557b", "i82557c",
                     "i82558a", "i82558b", "i82559a", "i82559b", "i82559c", "i82559er", "i82562", "i82801",
                     "igb", "tulip", "usb-net" -> true;
                default -> false;
            };
        }

        private static String nicModel(String driver) {
            return driver.startsWith("virtio") ? "virtio" : driver;
        }

        private static String backendName(String type) {
            return switch (type) {
                case "vhost-user" -> "vhostuser";
                case "" -> "unknown";
                default -> type;
            };
        }

        private static int queues(QemuOptions netdev) {
            if (netdev.has("queues")) {
                return parseIntOr(netdev.get("queues"), 0);
            }
            if (netdev.has("fds")) {
                return netdev.get("fds").split(":").length;
            }
            return 0;
        }

        private Nic deviceNic(QemuOptions dev) {
            String model = nicModel(dev.get("driver"));
            String id = dev.get("netdev");
            QemuOptions nd = netdevs.get(id);
            if (nd == null) {
                if (!id.isEmpty()) {
                    problems.add("device " + dev.get("driver") + " names netdev " + id + ", which no -netdev defines");
                }
                return new Nic(model, "unknown", false, 0, "");
            }
            String type = nd.get("type");
            boolean vhost = type.equals("tap") && (nd.flag("vhost", false) || nd.has("vhostfd") || nd.has("vhostfds"));
            int queues = queues(nd);
            if (queues > 1 && model.equals("virtio") && !dev.flag("mq", false)) {
                problems.add("netdev " + id + " has " + queues + " queues but its virtio-net device lacks mq=on,"
                        + " so the guest sees one");
                queues = 1;
            }
            String ifname = type.equals("bridge") ? nd.get("br") : nd.get("ifname");
            return new Nic(model, backendName(type), vhost, queues, ifname);
        }

        private List<Nic> legacyNics() {
            List<QemuOptions> nicOpts = new ArrayList<>();
            List<QemuOptions> backends = new ArrayList<>();
            for (QemuOptions n : legacyNets) {
                if (n.get("type").equals("nic")) {
                    nicOpts.add(n);
                } else if (!n.get("type").equals("none")) {
                    backends.add(n);
                }
            }
            List<Nic> out = new ArrayList<>();
            for (int k = 0; k < nicOpts.size(); k++) {
                QemuOptions n = nicOpts.get(k);
                String model = nicModel(n.find("model").orElse("e1000"));
                QemuOptions be;
                if (n.has("netdev")) {
                    be = netdevs.get(n.get("netdev"));
                } else {
                    be = backends.size() == nicOpts.size() ? backends.get(k) : backends.isEmpty() ? null : backends.get(0);
                }
                if (be == null) {
                    problems.add("-net nic" + (n.has("model") ? ",model=" + n.get("model") : "")
                            + " has no back-end to connect to");
                    out.add(new Nic(model, "unknown", false, 0, ""));
                    continue;
                }
                String type = be.get("type");
                boolean vhost = type.equals("tap") && (be.flag("vhost", false) || be.has("vhostfd"));
                out.add(new Nic(model, backendName(type), vhost, queues(be), type.equals("bridge") ? be.get("br")
                        : be.get("ifname")));
            }
            return out;
        }

        private MemoryBacking memoryBacking(List<String> numaTuneOut) {
            List<String> used = new ArrayList<>();
            if (machine.has("memory-backend")) {
                used.add(machine.get("memory-backend"));
            }
            for (QemuOptions n : numaNodes) {
                if (n.has("memdev")) {
                    used.add(n.get("memdev"));
                }
            }
            for (String id : used) {
                QemuOptions o = objects.get(id);
                if (o == null) {
                    problems.add("memory backend " + id + " is used but no -object defines it");
                    continue;
                }
                String type = o.get("qom-type");
                String policy = o.get("policy");
                if (!policy.isEmpty() && !policy.equals("default") && numaTuneOut.isEmpty()) {
                    numaTuneOut.add(policy.equals("bind") ? "strict" : policy);
                    numaTuneOut.add(o.get("host-nodes"));
                }
                return switch (type) {
                    case "memory-backend-file" -> {
                        String path = o.get("mem-path");
                        boolean huge = hugetlbfsPath(path);
                        yield new MemoryBacking(huge, 0, huge ? o.get("host-nodes") : "", "file",
                                o.flag("share", false), locked);
                    }
                    case "memory-backend-memfd" -> {
                        boolean huge = o.flag("hugetlb", false);
                        long size = 0;
                        if (huge && o.has("hugetlbsize")) {
                            size = SizeText.qemuKiB(o.get("hugetlbsize"), 1);
                        }
                        // memory-backend-memfd is shared unless share=off.
                        yield new MemoryBacking(huge, size, huge ? o.get("host-nodes") : "", "memfd",
                                o.flag("share", true), locked);
                    }
                    default -> new MemoryBacking(false, 0, "", "anonymous", o.flag("share", false), locked);
                };
            }
            if (!memPath.isEmpty()) {
                boolean huge = hugetlbfsPath(memPath);
                return new MemoryBacking(huge, 0, "", "file", false, locked);
            }
            return new MemoryBacking(false, 0, "", "anonymous", false, locked);
        }

        private static boolean hugetlbfsPath(String path) {
            String p = path.toLowerCase(Locale.ROOT);
            return p.contains("huge");
        }
    }
}
