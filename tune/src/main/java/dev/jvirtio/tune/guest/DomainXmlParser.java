package dev.jvirtio.tune.guest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads a libvirt domain XML (https://libvirt.org/formatdomain.html) into a {@link Guest}.
 *
 * <p>The XML is untrusted: DOCTYPE declarations, external entities and XInclude are refused, so a
 * document cannot read local files or reach the network. Values the model does not know are kept
 * as written and noted in {@link Guest#problems()}.
 */
public final class DomainXmlParser {

    private DomainXmlParser() {
    }

    /**
     * Parses one domain.
     *
     * @param xml    the document's bytes
     * @param source where it came from, used in messages and as {@link Guest#source()}
     * @throws GuestConfigException when the document is not well-formed, declares a DOCTYPE, or is
     *                              not a {@code <domain>}; the message names the source and line
     */
    public static Guest parse(byte[] xml, String source) throws GuestConfigException {
        Document doc = read(xml, source);
        Element domain = doc.getDocumentElement();
        if (!domain.getTagName().equals("domain")) {
            throw new GuestConfigException(source + " is not a libvirt domain XML: its root element is <"
                    + domain.getTagName() + ">, not <domain>.");
        }
        List<String> problems = new ArrayList<>();
        String name = text(child(domain, "name"));
        if (name.isEmpty()) {
            problems.add("the domain has no <name>; using the file name");
            name = fallbackName(source);
        }
        int vcpus = vcpus(domain, problems);
        long memoryKiB = memory(domain, problems);
        int iothreads = intOr(text(child(domain, "iothreads")), 0, "<iothreads>", problems);

        List<VcpuPin> pins = new ArrayList<>();
        String emulatorPin = "";
        CpuTune cputune = CpuTune.NONE;
        Element ct = child(domain, "cputune");
        if (ct != null) {
            for (Element pin : children(ct, "vcpupin")) {
                int vcpu = intOr(pin.getAttribute("vcpu"), -1, "<vcpupin vcpu>", problems);
                if (vcpu >= 0) {
                    pins.add(new VcpuPin(vcpu, pin.getAttribute("cpuset")));
                }
            }
            Element ep = child(ct, "emulatorpin");
            if (ep != null) {
                emulatorPin = ep.getAttribute("cpuset");
            }
            cputune = new CpuTune(longOrNull(child(ct, "period"), problems),
                    longOrNull(child(ct, "quota"), problems), longOrNull(child(ct, "shares"), problems));
        }

        NumaTune numatune = NumaTune.NONE;
        Element nt = child(domain, "numatune");
        if (nt != null) {
            Element mem = child(nt, "memory");
            if (mem != null) {
                String mode = mem.getAttribute("mode");
                numatune = new NumaTune(mode.isEmpty() ? "strict" : mode, mem.getAttribute("nodeset"));
            }
        }

        MemoryBacking backing = memoryBacking(domain, problems);

        List<Disk> disks = new ArrayList<>();
        List<Nic> nics = new ArrayList<>();
        List<String> hostDevices = new ArrayList<>();
        Balloon balloon = Balloon.of("virtio");
        Element devices = child(domain, "devices");
        if (devices != null) {
            Map<String, Element> scsiControllers = new HashMap<>();
            for (Element c : children(devices, "controller")) {
                if (c.getAttribute("type").equals("scsi")) {
                    scsiControllers.put(c.getAttribute("index").isEmpty() ? "0" : c.getAttribute("index"), c);
                }
            }
            for (Element d : children(devices, "disk")) {
                disks.add(disk(d, scsiControllers, problems));
            }
            for (Element i : children(devices, "interface")) {
                nics.add(nic(i, hostDevices));
            }
            for (Element h : children(devices, "hostdev")) {
                if (h.getAttribute("type").equals("pci")) {
                    String address = pciAddress(child(child(h, "source"), "address"));
                    if (!address.isEmpty()) {
                        hostDevices.add(address);
                    }
                }
            }
            Element mb = child(devices, "memballoon");
            if (mb != null) {
                Element stats = child(mb, "stats");
                balloon = new Balloon(mb.getAttribute("model"),
                        mb.getAttribute("freePageReporting").equals("on"),
                        stats == null ? 0 : intOr(stats.getAttribute("period"), 0, "<stats period>", problems),
                        mb.getAttribute("autodeflate").equals("on"));
            }
        }
        return new Guest(name, source, vcpus, pins, emulatorPin, iothreads, memoryKiB, backing, disks, nics,
                balloon, hostDevices, cputune, numatune, problems);
    }

    private static Document read(byte[] xml, String source) throws GuestConfigException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            // OWASP XXE prevention: no DOCTYPE at all, hence no entities of any kind.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {
                }

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            b.setEntityResolver((publicId, systemId) -> {
                throw new SAXException("external entity " + systemId + " refused");
            });
            return b.parse(new ByteArrayInputStream(xml));
        } catch (SAXParseException e) {
            throw new GuestConfigException(source + " line " + e.getLineNumber() + " is not well-formed XML: "
                    + e.getMessage(), e);
        } catch (SAXException e) {
            throw new GuestConfigException(source + " is not readable XML: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GuestConfigException(source + " could not be read: " + e.getMessage(), e);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the XML parser cannot be made XXE-safe", e);
        }
    }

    /** Convenience for XML held as a string. */
    public static Guest parse(String xml, String source) throws GuestConfigException {
        return parse(xml.getBytes(StandardCharsets.UTF_8), source);
    }

    private static int vcpus(Element domain, List<String> problems) {
        Element v = child(domain, "vcpu");
        if (v == null) {
            return 1;
        }
        String current = v.getAttribute("current");
        int max = intOr(text(v), 1, "<vcpu>", problems);
        return current.isEmpty() ? max : intOr(current, max, "<vcpu current>", problems);
    }

    private static long memory(Element domain, List<String> problems) {
        Element m = child(domain, "currentMemory");
        if (m == null) {
            m = child(domain, "memory");
        }
        if (m == null) {
            problems.add("the domain has no <memory>");
            return 0;
        }
        try {
            return SizeText.libvirtKiB(text(m), m.getAttribute("unit"));
        } catch (IllegalArgumentException e) {
            problems.add("<" + m.getTagName() + "> is unreadable: " + e.getMessage());
            return 0;
        }
    }

    private static MemoryBacking memoryBacking(Element domain, List<String> problems) {
        Element mb = child(domain, "memoryBacking");
        if (mb == null) {
            return MemoryBacking.DEFAULT;
        }
        Element hp = child(mb, "hugepages");
        boolean huge = hp != null;
        long size = 0;
        String nodeset = "";
        if (hp != null) {
            Element page = child(hp, "page");
            if (page != null) {
                try {
                    size = page.getAttribute("size").isEmpty() ? 0
                            : SizeText.libvirtKiB(page.getAttribute("size"), page.getAttribute("unit"));
                } catch (IllegalArgumentException e) {
                    problems.add("<hugepages><page size> is unreadable: " + e.getMessage());
                }
                nodeset = page.getAttribute("nodeset");
            }
        }
        Element src = child(mb, "source");
        String source = src == null || src.getAttribute("type").isEmpty() ? (huge ? "file" : "anonymous")
                : src.getAttribute("type");
        Element access = child(mb, "access");
        boolean shared = access != null && access.getAttribute("mode").equals("shared");
        return new MemoryBacking(huge, size, nodeset, source, shared, child(mb, "locked") != null);
    }

    private static Disk disk(Element d, Map<String, Element> scsiControllers, List<String> problems) {
        String type = d.getAttribute("type");
        String device = d.getAttribute("device").isEmpty() ? "disk" : d.getAttribute("device");
        Element driver = child(d, "driver");
        Element source = child(d, "source");
        Element target = child(d, "target");
        String dev = target == null ? "" : target.getAttribute("dev");
        String bus = target == null ? "" : target.getAttribute("bus");
        if (bus.isEmpty()) {
            bus = busFromName(dev);
        }
        String sourceType = switch (type) {
            case "file", "block", "network", "vhostuser" -> type;
            case "volume" -> "file";
            case "" -> "file";
            default -> "unknown";
        };
        if (type.equals("vhostuser")) {
            bus = "vhost-user";
        }
        String path = "";
        if (source != null) {
            path = switch (type) {
                case "block" -> source.getAttribute("dev");
                case "network" -> source.getAttribute("protocol") + ":" + source.getAttribute("name");
                case "vhostuser" -> source.getAttribute("path");
                case "volume" -> source.getAttribute("pool") + "/" + source.getAttribute("volume");
                default -> source.getAttribute("file");
            };
        }
        String format = driver == null ? "" : driver.getAttribute("type");
        if (format.isEmpty()) {
            // libvirt never lets QEMU probe: an image without <driver type> is opened as raw.
            format = "raw";
        }
        String cache = driver == null ? "" : driver.getAttribute("cache");
        String io = driver == null ? "" : driver.getAttribute("io");
        String iothread = driver == null ? "" : driver.getAttribute("iothread");
        int queues = driver == null ? 0 : intOr(driver.getAttribute("queues"), 0, "<driver queues>", problems);
        if (bus.equals("scsi")) {
            Element address = child(d, "address");
            String controller = address == null || address.getAttribute("controller").isEmpty() ? "0"
                    : address.getAttribute("controller");
            Element c = scsiControllers.get(controller);
            String model = c == null ? "" : c.getAttribute("model");
            if (!model.isEmpty() && !model.startsWith("virtio")) {
                problems.add("disk " + dev + " sits on SCSI controller " + controller + " of model " + model
                        + ", which is emulated; virtio-scsi is the paravirtual one");
            }
            Element cd = child(c, "driver");
            if (cd != null) {
                // virtio-scsi: the IOThread and queue count belong to the controller.
                iothread = cd.getAttribute("iothread");
                queues = intOr(cd.getAttribute("queues"), 0, "<controller><driver queues>", problems);
            }
        }
        return new Disk(dev, bus, format, cache, io, iothread, sourceType, path, device, queues);
    }

    private static String busFromName(String dev) {
        if (dev.startsWith("vd")) {
            return "virtio";
        }
        if (dev.startsWith("hd")) {
            return "ide";
        }
        if (dev.startsWith("sd")) {
            return "scsi";
        }
        return "";
    }

    private static Nic nic(Element i, List<String> hostDevices) {
        String type = i.getAttribute("type");
        Element model = child(i, "model");
        String m = model == null ? "" : model.getAttribute("type");
        Element driver = child(i, "driver");
        String driverName = driver == null ? "" : driver.getAttribute("name");
        int queues = 0;
        if (driver != null && !driver.getAttribute("queues").isEmpty()) {
            try {
                queues = Math.max(0, Integer.parseInt(driver.getAttribute("queues").trim()));
            } catch (NumberFormatException e) {
                queues = 0;
            }
        }
        String backend = switch (type) {
            case "network", "bridge", "ethernet", "direct", "user", "vhostuser", "hostdev" -> type;
            case "" -> "unknown";
            default -> type;
        };
        if (backend.equals("ethernet")) {
            backend = "tap";
        }
        // libvirt opens /dev/vhost-net for virtio NICs on tap-like back-ends unless
        // <driver name='qemu'/> asks for the userspace data path.
        boolean tapLike = switch (backend) {
            case "network", "bridge", "tap", "direct" -> true;
            default -> false;
        };
        boolean vhost = tapLike && m.equals("virtio") && !driverName.equals("qemu");
        if (backend.equals("hostdev")) {
            String address = pciAddress(child(child(i, "source"), "address"));
            if (!address.isEmpty()) {
                hostDevices.add(address);
            }
        }
        Element target = child(i, "target");
        return new Nic(m, backend, vhost, queues, target == null ? "" : target.getAttribute("dev"));
    }

    private static String pciAddress(Element a) {
        if (a == null || a.getAttribute("bus").isEmpty()) {
            return "";
        }
        return String.format(Locale.ROOT, "%04x:%02x:%02x.%x", hex(a.getAttribute("domain")),
                hex(a.getAttribute("bus")), hex(a.getAttribute("slot")), hex(a.getAttribute("function")));
    }

    private static int hex(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            return 0;
        }
        try {
            return t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int intOr(String v, int otherwise, String what, List<String> problems) {
        if (v == null || v.isBlank()) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            problems.add(what + " value '" + v.trim() + "' is not a number");
            return otherwise;
        }
    }

    private static Long longOrNull(Element e, List<String> problems) {
        if (e == null) {
            return null;
        }
        try {
            return Long.parseLong(text(e));
        } catch (NumberFormatException ex) {
            problems.add("<" + e.getTagName() + "> value '" + text(e) + "' is not a number");
            return null;
        }
    }

    static String fallbackName(String source) {
        String s = source.replace('\\', '/');
        String base = s.substring(s.lastIndexOf('/') + 1);
        int dot = base.lastIndexOf('.');
        return dot > 0 ? base.substring(0, dot) : base;
    }

    private static String text(Element e) {
        return e == null ? "" : e.getTextContent().trim();
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList list = parent.getChildNodes();
        for (int k = 0; k < list.getLength(); k++) {
            if (list.item(k) instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }
}
