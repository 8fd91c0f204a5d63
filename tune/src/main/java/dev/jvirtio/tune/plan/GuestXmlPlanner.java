package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.plan.xml.XmlDocument;
import dev.jvirtio.tune.plan.xml.XmlElement;
import dev.jvirtio.tune.rules.guest.GuestHugePagesRule;
import dev.jvirtio.tune.rules.host.CpuCfsRule;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The guest side of a plan: changes to each editable guest's domain XML, one per practice, in an
 * order in which every intermediate document is valid (IOThreads exist before they are pinned):
 * VIRTIO-PV (disk bus), NET-VIRTIO (NIC model), STO-CACHE (cache='none' io='native'),
 * VIRTIO-DATAPLANE (IOThreads), VIRTIO-VQ (multiqueue), MEM-BALLOON, MEM-HUGEPAGES-GUEST (when
 * asked), MEM-NUMA (numatune), CPU-PIN (cputune pins) and CPU-CFS (cputune bandwidth); then the
 * live vCPU pinning of running libvirt domains.
 *
 * <p>Every edit sets a part of the document to its planned state, so a document already in that
 * state gives no change.
 */
final class GuestXmlPlanner {

    static final List<String> DOMAIN_ORDER = List.of("name", "uuid", "genid", "title", "description", "metadata",
            "maxMemory", "memory", "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus",
            "iothreads", "iothreadids", "defaultiothread", "cputune", "numatune", "resource", "sysinfo", "bootloader",
            "bootloader_args", "os", "idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot", "on_crash",
            "on_lockfailure", "pm", "perf", "devices");
    static final List<String> CPUTUNE_ORDER = List.of("shares", "period", "quota", "global_period", "global_quota",
            "emulator_period", "emulator_quota", "iothread_period", "iothread_quota", "vcpupin", "emulatorpin",
            "iothreadpin", "emulatorsched", "vcpusched", "iothreadsched", "cachetune", "memorytune");
    static final List<String> DISK_ORDER = List.of("driver", "source", "backingStore", "mirror", "target", "iotune",
            "boot", "readonly", "shareable", "transient", "serial", "wwn", "vendor", "product", "encryption",
            "blockio", "geometry", "address", "alias");
    static final List<String> INTERFACE_ORDER = List.of("mac", "source", "virtualport", "ip", "route", "script",
            "downscript", "backenddomain", "target", "guest", "model", "driver", "backend", "filterref", "tune",
            "teaming", "link", "mtu", "bandwidth", "vlan", "port", "coalesce", "rom", "boot", "address", "alias");
    static final List<String> CONTROLLER_ORDER = List.of("model", "driver", "address", "alias");
    static final List<String> BACKING_ORDER = List.of("hugepages", "nosharepages", "locked", "source", "access",
            "allocation", "discard");

    /** Disk buses whose controllers QEMU emulates register by register (as VIRTIO-PV judges them). */
    private static final Set<String> EMULATED_BUSES = Set.of("ide", "sata", "usb", "fdc", "sd");
    /** NIC back-ends whose virtio-net can have several queue pairs. */
    private static final Set<String> MULTIQUEUE_BACKENDS = Set.of("network", "bridge", "ethernet", "direct",
            "vhostuser");

    /** An edit that says what it did ({@code ""} when the document already had it). */
    private interface Edit {
        String apply(XmlElement domain);
    }

    private record RuleEdit(String rule, Edit edit) {
    }

    private GuestXmlPlanner() {
    }

    static List<Change> plan(PlanContext c) {
        List<Change> changes = new ArrayList<>();
        for (Guest guest : c.guests) {
            EditableDomain domain = c.editable.get(guest.name());
            if (domain == null) {
                continue;
            }
            XmlDocument doc;
            try {
                doc = XmlDocument.parse(domain.xml(), domain.target().describe());
            } catch (GuestConfigException e) {
                c.notes.add(guest.name() + ": " + e.getMessage());
                continue;
            }
            String current = doc.toString();
            for (RuleEdit ruleEdit : edits(guest, c)) {
                String what = ruleEdit.edit().apply(doc.root());
                String next = doc.toString();
                if (!next.equals(current)) {
                    Edit edit = ruleEdit.edit();
                    changes.add(new DomainEdit(ruleEdit.rule(), guest.name(), domain.target(), current, next,
                            root -> edit.apply(root), what));
                    if (ruleEdit.rule().equals("VIRTIO-PV")) {
                        c.notes.add(guest.name() + ": its disks move to virtio-blk; a Linux guest has the driver, a "
                                + "Windows guest needs the virtio-win drivers installed before");
                    }
                    current = next;
                }
            }
            if (domain.running() && changes.stream().anyMatch(ch -> ch.subject().equals(guest.name()))) {
                c.notes.add(guest.name() + " runs: its new definition takes effect when it next starts (virsh "
                        + "shutdown, then start); its vCPU pinning changes live now");
            }
            Placement placement = c.placements.get(guest.name());
            if (placement != null && domain.running() && domain.target() instanceof LibvirtDomain libvirt) {
                List<String> after = placement.vcpus().stream().map(CpuSet::toString).toList();
                if (!after.equals(domain.livePins())) {
                    changes.add(new LiveVcpuPin("CPU-PIN", guest.name(), libvirt, domain.livePins(), after));
                }
            }
        }
        return changes;
    }

    private static List<RuleEdit> edits(Guest guest, PlanContext c) {
        List<RuleEdit> edits = new ArrayList<>();
        edits.add(new RuleEdit("VIRTIO-PV", GuestXmlPlanner::virtioDisks));
        edits.add(new RuleEdit("NET-VIRTIO", GuestXmlPlanner::virtioNics));
        edits.add(new RuleEdit("STO-CACHE", GuestXmlPlanner::cacheNone));
        edits.add(new RuleEdit("VIRTIO-DATAPLANE", GuestXmlPlanner::iothreads));
        edits.add(new RuleEdit("VIRTIO-VQ", GuestXmlPlanner::multiqueue));
        if (guest.hostDevices().isEmpty() && !guest.memory().locked() && !guest.memory().hugepages()) {
            edits.add(new RuleEdit("MEM-BALLOON", GuestXmlPlanner::balloon));
        }
        if (c.options.hugepages() && guest.memoryKiB() >= GuestHugePagesRule.THRESHOLD_KIB) {
            edits.add(new RuleEdit("MEM-HUGEPAGES-GUEST", GuestXmlPlanner::hugepages));
        }
        Placement placement = c.placements.get(guest.name());
        if (placement != null && c.host.numa()) {
            edits.add(new RuleEdit("MEM-NUMA", domain -> numatune(domain, placement.nodes())));
        }
        if (placement != null) {
            edits.add(new RuleEdit("CPU-PIN", domain -> pins(domain, placement)));
        }
        Long period = guest.cputune().periodMicros();
        Long quota = guest.cputune().quotaMicros();
        if (quota != null && quota > 0) {
            long p = period == null || period <= 0 ? 100_000 : period;
            CfsPlanner.shortenedQuota(quota, p, 1).ifPresent(q -> edits.add(new RuleEdit("CPU-CFS",
                    domain -> bandwidth(domain, "period", "quota", q, "per vCPU"))));
        }
        Double share = c.options.cpuShares().get(guest.name());
        if (share != null) {
            long q = CfsPlanner.quotaFor(share);
            edits.add(new RuleEdit("CPU-CFS", domain -> bandwidth(domain, "global_period", "global_quota", q,
                    "for the whole guest")));
        }
        return edits;
    }

    /** VIRTIO-PV: data disks on emulated buses move to virtio; emulated SCSI controllers become virtio-scsi. */
    private static String virtioDisks(XmlElement domain) {
        List<String> did = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (XmlElement disk : disks(domain)) {
            disk.child("target").ifPresent(t -> used.add(t.attribute("dev")));
        }
        for (XmlElement disk : disks(domain)) {
            Optional<XmlElement> target = disk.child("target");
            if (!device(disk).equals("disk") || target.isEmpty() || !EMULATED_BUSES.contains(bus(disk))) {
                continue;
            }
            String dev = nextFree(used);
            used.add(dev);
            did.add(target.get().attribute("dev") + " on " + bus(disk) + " -> " + dev + " on virtio");
            target.get().attribute("dev", dev).attribute("bus", "virtio");
            for (XmlElement address : disk.children("address")) {
                if (address.attribute("type").equals("drive")) {
                    disk.remove(address);
                }
            }
        }
        for (XmlElement controller : devices(domain).map(d -> d.children("controller")).orElse(List.of())) {
            String model = controller.attribute("model");
            if (controller.attribute("type").equals("scsi") && !model.isEmpty() && !model.startsWith("virtio")) {
                controller.attribute("model", "virtio-scsi");
                did.add("SCSI controller " + model + " -> virtio-scsi");
            }
        }
        return "disks on virtio: " + String.join(", ", did);
    }

    /** NET-VIRTIO: every NIC that is not passed through gets the virtio model. */
    private static String virtioNics(XmlElement domain) {
        List<String> did = new ArrayList<>();
        for (XmlElement nic : devices(domain).map(d -> d.children("interface")).orElse(List.of())) {
            if (nic.attribute("type").equals("hostdev")) {
                continue;
            }
            String model = nic.child("model").map(m -> m.attribute("type")).orElse("");
            if (!model.startsWith("virtio")) {
                nic.childOrAdd("model", INTERFACE_ORDER).attribute("type", "virtio");
                did.add((model.isEmpty() ? "(no model)" : model) + " -> virtio");
            }
        }
        return "NIC model " + String.join(", ", did);
    }

    /** STO-CACHE: local data disks get cache='none' (unless directsync) and io='native' (unless io_uring). */
    private static String cacheNone(XmlElement domain) {
        List<String> did = new ArrayList<>();
        for (XmlElement disk : disks(domain)) {
            String type = disk.attribute("type");
            if (removable(disk) || type.equals("network") || type.equals("vhostuser")) {
                continue;
            }
            Optional<XmlElement> driver = disk.child("driver");
            String cache = driver.map(d -> d.attribute("cache")).orElse("");
            String io = driver.map(d -> d.attribute("io")).orElse("");
            boolean direct = cache.equals("none") || cache.equals("directsync");
            boolean async = io.equals("native") || io.equals("io_uring");
            if (direct && async) {
                continue;
            }
            XmlElement d = driver.orElseGet(() -> disk.add(new XmlElement("driver").attribute("name", "qemu"),
                    DISK_ORDER));
            if (!direct) {
                d.attribute("cache", "none");
            }
            if (!async) {
                d.attribute("io", "native");
            }
            did.add(targetName(disk));
        }
        return "cache='none' io='native' on " + String.join(", ", did);
    }

    /** VIRTIO-DATAPLANE: IOThreads (one per virtio disk, at most one per vCPU), each disk in one. */
    private static String iothreads(XmlElement domain) {
        List<XmlElement> virtioDisks = disks(domain).stream()
                .filter(d -> !removable(d) && bus(d).equals("virtio")).toList();
        List<XmlElement> scsiControllers = devices(domain).map(d -> d.children("controller")).orElse(List.of())
                .stream().filter(ctl -> ctl.attribute("type").equals("scsi")
                        && ctl.attribute("model").startsWith("virtio-scsi")
                        && disks(domain).stream().anyMatch(d -> !removable(d) && bus(d).equals("scsi")
                        && controllerOf(d).equals(index(ctl))))
                .toList();
        List<XmlElement> needing = new ArrayList<>();
        for (XmlElement disk : virtioDisks) {
            if (disk.child("driver").map(d -> d.attribute("iothread")).orElse("").isEmpty()) {
                needing.add(disk);
            }
        }
        for (XmlElement ctl : scsiControllers) {
            if (ctl.child("driver").map(d -> d.attribute("iothread")).orElse("").isEmpty()) {
                needing.add(ctl);
            }
        }
        if (needing.isEmpty()) {
            return "";
        }
        List<Integer> ids = iothreadIds(domain);
        int wanted = Math.max(ids.size(), Math.max(1, Math.min(vcpus(domain), virtioDisks.size()
                + scsiControllers.size())));
        Optional<XmlElement> idList = domain.child("iothreadids");
        int next = ids.stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        List<Integer> all = new ArrayList<>(ids);
        while (all.size() < wanted) {
            if (idList.isPresent()) {
                idList.get().add(new XmlElement("iothread").attribute("id", Integer.toString(next)), List.of());
            }
            all.add(next++);
        }
        domain.childOrAdd("iothreads", DOMAIN_ORDER).text(Integer.toString(all.size()));
        Map<Integer, Integer> load = new LinkedHashMap<>();
        all.forEach(id -> load.put(id, 0));
        for (XmlElement e : virtioDisks) {
            e.child("driver").map(d -> d.attribute("iothread")).filter(s -> s.matches("\\d{1,9}"))
                    .ifPresent(s -> load.computeIfPresent(Integer.parseInt(s), (k, v) -> v + 1));
        }
        List<String> did = new ArrayList<>();
        for (XmlElement e : needing) {
            int id = load.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            load.merge(id, 1, Integer::sum);
            XmlElement driver = e.child("driver").orElseGet(() -> e.add(e.name().equals("disk")
                    ? new XmlElement("driver").attribute("name", "qemu") : new XmlElement("driver"),
                    e.name().equals("disk") ? DISK_ORDER : CONTROLLER_ORDER));
            driver.attribute("iothread", Integer.toString(id));
            did.add((e.name().equals("disk") ? targetName(e) : "SCSI controller " + index(e)) + " in IOThread " + id);
        }
        return all.size() + " IOThread" + (all.size() == 1 ? "" : "s") + "; " + String.join(", ", did);
    }

    /** VIRTIO-VQ: virtio disks, virtio-scsi controllers and virtio NICs get a queue (pair) per vCPU. */
    private static String multiqueue(XmlElement domain) {
        int vcpus = vcpus(domain);
        if (vcpus <= 1) {
            return "";
        }
        String queues = Integer.toString(vcpus);
        List<String> did = new ArrayList<>();
        for (XmlElement disk : disks(domain)) {
            Optional<XmlElement> driver = disk.child("driver");
            if (!removable(disk) && bus(disk).equals("virtio") && driver.isPresent()
                    && fewer(driver.get().attribute("queues"), vcpus)) {
                driver.get().attribute("queues", queues);
                did.add(targetName(disk));
            }
        }
        for (XmlElement ctl : devices(domain).map(d -> d.children("controller")).orElse(List.of())) {
            Optional<XmlElement> driver = ctl.child("driver");
            if (ctl.attribute("model").startsWith("virtio-scsi") && driver.isPresent()
                    && fewer(driver.get().attribute("queues"), vcpus)) {
                driver.get().attribute("queues", queues);
                did.add("SCSI controller " + index(ctl));
            }
        }
        for (XmlElement nic : devices(domain).map(d -> d.children("interface")).orElse(List.of())) {
            String model = nic.child("model").map(m -> m.attribute("type")).orElse("");
            String type = nic.attribute("type");
            if (!model.startsWith("virtio") || !MULTIQUEUE_BACKENDS.contains(type)) {
                continue;
            }
            Optional<XmlElement> driver = nic.child("driver");
            String current = driver.map(d -> d.attribute("queues")).orElse("");
            if (!current.isEmpty() && !fewer(current, vcpus)) {
                continue;
            }
            XmlElement d = driver.orElseGet(() -> nic.add(type.equals("vhostuser") ? new XmlElement("driver")
                    : new XmlElement("driver").attribute("name", "vhost"), INTERFACE_ORDER));
            d.attribute("queues", queues);
            did.add("NIC " + nic.child("target").map(t -> t.attribute("dev")).filter(s -> !s.isEmpty())
                    .orElse(type));
        }
        return queues + " queues for " + String.join(", ", did);
    }

    /** MEM-BALLOON: a balloon turned off ({@code model='none'}) becomes a virtio balloon. */
    private static String balloon(XmlElement domain) {
        Optional<XmlElement> balloon = devices(domain).flatMap(d -> d.child("memballoon"));
        if (balloon.isEmpty() || !balloon.get().attribute("model").equals("none")) {
            return "";
        }
        balloon.get().attribute("model", "virtio").attribute("autodeflate", "on")
                .attribute("freePageReporting", "on");
        balloon.get().childOrAdd("stats", List.of("alias", "address", "stats", "driver")).attribute("period", "10");
        return "a virtio balloon with free page reporting";
    }

    /** MEM-HUGEPAGES-GUEST: guest RAM on hugetlbfs pages of the host's default size. */
    private static String hugepages(XmlElement domain) {
        XmlElement backing = domain.childOrAdd("memoryBacking", DOMAIN_ORDER);
        backing.childOrAdd("hugepages", BACKING_ORDER);
        return "RAM on huge pages";
    }

    /** MEM-NUMA: memory strictly from the nodes the vCPUs run on. */
    private static String numatune(XmlElement domain, CpuSet nodes) {
        XmlElement memory = domain.childOrAdd("numatune", DOMAIN_ORDER).childOrAdd("memory", List.of("memory",
                "memnode"));
        memory.attribute("mode", "strict").removeAttribute("placement").attribute("nodeset", nodes.toString());
        return "memory strictly from node" + (nodes.size() == 1 ? " " : "s ") + nodes;
    }

    /** CPU-PIN: each vCPU pinned; the emulator threads and IOThreads on the node's housekeeping CPUs. */
    private static String pins(XmlElement domain, Placement placement) {
        domain.child("vcpu").filter(v -> v.attribute("placement").equals("auto"))
                .ifPresent(v -> v.attribute("placement", "static"));
        XmlElement cputune = domain.childOrAdd("cputune", DOMAIN_ORDER);
        List<String> vcpus = new ArrayList<>();
        for (int vcpu = 0; vcpu < placement.vcpus().size(); vcpu++) {
            String cpus = placement.vcpus().get(vcpu).toString();
            vcpus.add(cpus);
            pin(cputune, "vcpupin", "vcpu", Integer.toString(vcpu), cpus);
        }
        String housekeeping = placement.housekeeping().toString();
        cputune.childOrAdd("emulatorpin", CPUTUNE_ORDER).attribute("cpuset", housekeeping);
        List<Integer> ids = iothreadIds(domain);
        for (int id : ids) {
            pin(cputune, "iothreadpin", "iothread", Integer.toString(id), housekeeping);
        }
        String where = vcpus.stream().distinct().count() == 1 && vcpus.size() > 1
                ? "vCPUs 0-" + (vcpus.size() - 1) + " share CPUs " + vcpus.getFirst()
                : "vCPUs 0-" + (vcpus.size() - 1) + " on CPUs " + String.join(" ", vcpus);
        return where + "; emulator" + (ids.isEmpty() ? "" : " and IOThreads") + " on " + housekeeping;
    }

    /** CPU-CFS: a bandwidth limit with the short period. */
    private static String bandwidth(XmlElement domain, String periodName, String quotaName, long quota, String scope) {
        XmlElement cputune = domain.childOrAdd("cputune", DOMAIN_ORDER);
        long period = CpuCfsRule.SHORT_PERIOD_MICROS;
        cputune.childOrAdd(periodName, CPUTUNE_ORDER).text(Long.toString(period));
        cputune.childOrAdd(quotaName, CPUTUNE_ORDER).text(Long.toString(quota));
        return "period " + period + " µs, quota " + quota + " µs " + scope;
    }

    private static void pin(XmlElement cputune, String element, String key, String id, String cpuset) {
        Optional<XmlElement> existing = cputune.children(element).stream()
                .filter(e -> e.attribute(key).trim().equals(id)).findFirst();
        existing.orElseGet(() -> cputune.add(new XmlElement(element).attribute(key, id), CPUTUNE_ORDER))
                .attribute("cpuset", cpuset);
    }

    private static Optional<XmlElement> devices(XmlElement domain) {
        return domain.child("devices");
    }

    private static List<XmlElement> disks(XmlElement domain) {
        return devices(domain).map(d -> d.children("disk")).orElse(List.of());
    }

    private static String device(XmlElement disk) {
        String device = disk.attribute("device");
        return device.isEmpty() ? "disk" : device;
    }

    private static boolean removable(XmlElement disk) {
        return device(disk).equals("cdrom") || device(disk).equals("floppy");
    }

    /** A disk's bus as libvirt reads it: the target's bus, else the one its name implies. */
    private static String bus(XmlElement disk) {
        if (disk.attribute("type").equals("vhostuser")) {
            return "vhost-user";
        }
        Optional<XmlElement> target = disk.child("target");
        String bus = target.map(t -> t.attribute("bus")).orElse("");
        if (!bus.isEmpty()) {
            return bus;
        }
        String dev = target.map(t -> t.attribute("dev")).orElse("");
        return dev.startsWith("vd") ? "virtio" : dev.startsWith("hd") ? "ide" : dev.startsWith("sd") ? "scsi" : "";
    }

    private static String targetName(XmlElement disk) {
        return disk.child("target").map(t -> t.attribute("dev")).filter(s -> !s.isEmpty()).orElse("a disk");
    }

    private static String controllerOf(XmlElement disk) {
        String controller = disk.child("address").map(a -> a.attribute("controller")).orElse("");
        return controller.isEmpty() ? "0" : controller;
    }

    private static String index(XmlElement controller) {
        String index = controller.attribute("index");
        return index.isEmpty() ? "0" : index;
    }

    /** The vCPUs a domain starts with: {@code <vcpu current>}, else {@code <vcpu>}'s count, else 1. */
    static int vcpus(XmlElement domain) {
        Optional<XmlElement> vcpu = domain.child("vcpu");
        String text = vcpu.map(v -> v.attribute("current").isEmpty() ? v.text() : v.attribute("current")).orElse("1");
        return text.matches("\\d{1,5}") ? Integer.parseInt(text) : 1;
    }

    /** The IOThread ids: {@code <iothreadids>}' when listed, else 1 to {@code <iothreads>}. */
    private static List<Integer> iothreadIds(XmlElement domain) {
        List<Integer> ids = new ArrayList<>();
        Optional<XmlElement> list = domain.child("iothreadids");
        if (list.isPresent()) {
            for (XmlElement id : list.get().children("iothread")) {
                if (id.attribute("id").matches("\\d{1,5}")) {
                    ids.add(Integer.parseInt(id.attribute("id")));
                }
            }
        }
        String count = domain.child("iothreads").map(XmlElement::text).orElse("0");
        int n = count.matches("\\d{1,4}") ? Integer.parseInt(count) : 0;
        for (int id = 1; ids.size() < n && id < 100_000; id++) {
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private static boolean fewer(String queues, int vcpus) {
        return queues.matches("\\d{1,5}") && Integer.parseInt(queues) < vcpus;
    }

    /** The first of vda, vdb, ..., vdz, vdaa, ... not in {@code used}. */
    private static String nextFree(Set<String> used) {
        for (int i = 0; ; i++) {
            StringBuilder name = new StringBuilder();
            int n = i;
            do {
                name.insert(0, (char) ('a' + n % 26));
                n = n / 26 - 1;
            } while (n >= 0);
            String dev = "vd" + name;
            if (!used.contains(dev)) {
                return dev;
            }
        }
    }
}
