package dev.jvirtio.tune.audit;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.guest.GuestLoader;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.host.HostFacts;
import dev.jvirtio.tune.host.QemuProcess;
import dev.jvirtio.tune.report.AuditReport;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleCatalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * One audit: reads the facts under a root, loads the guest configurations (given files, a libvirt
 * connection, configurations stored in a capture, running QEMU processes), runs the rules and
 * returns the report.
 *
 * <p>Guests are identified by name: a guest already loaded from a configuration is not loaded
 * again from a running process of the same name.
 *
 * <p>Given configuration files are also kept in the root's record under {@value #DOMAIN_XML_DIR}
 * and {@value #QEMU_CMDLINE_DIR}, so that a capture written after the audit carries them, and an
 * audit of a non-live root loads the configurations it finds there.
 *
 * <p>Not thread-safe; one instance runs once.
 */
public final class Audit {

    /** Where a captured tree keeps domain XML files. */
    public static final String DOMAIN_XML_DIR = ".jvirtio/domain-xml";
    /** Where a captured tree keeps QEMU command-line files. */
    public static final String QEMU_CMDLINE_DIR = ".jvirtio/qemu-cmdline";

    private final FactRoot root;
    private final String label;
    private final List<Path> domainXml = new ArrayList<>();
    private final List<Path> qemuCmdlines = new ArrayList<>();
    private final List<String> libvirtUris = new ArrayList<>();
    private final List<String> optionalLibvirtUris = new ArrayList<>();
    private RuleCatalog rules = RuleCatalog.standard();
    private int kept;

    private Audit(FactRoot root, String label) {
        this.root = root;
        this.label = label;
    }

    /** An audit of the tree under {@code root}, named by its path in the report. */
    public static Audit of(FactRoot root) {
        return new Audit(root, root.path().toString());
    }

    /** An audit of {@code root} named {@code label} in the report (for example {@code capture FILE}). */
    public static Audit of(FactRoot root, String label) {
        return new Audit(root, Objects.requireNonNull(label, "label"));
    }

    /** Adds a domain XML file, or a directory of them. */
    public Audit domainXml(Path fileOrDir) {
        domainXml.add(fileOrDir);
        return this;
    }

    /** Adds a file holding one QEMU command line. */
    public Audit qemuCmdline(Path file) {
        qemuCmdlines.add(file);
        return this;
    }

    /** Adds the domains of a libvirt connection. */
    public Audit libvirt(String uri) {
        libvirtUris.add(uri);
        return this;
    }

    /**
     * Adds the domains of a libvirt connection if it answers; when it does not, the report notes
     * why instead of the audit failing. For the local daemon an audit of the live machine tries.
     */
    public Audit libvirtIfAnswering(String uri) {
        optionalLibvirtUris.add(uri);
        return this;
    }

    /** The rules to run (all of them unless set). */
    public Audit rules(RuleCatalog catalog) {
        this.rules = Objects.requireNonNull(catalog, "catalog");
        return this;
    }

    /** The root the facts are read through (what a capture writes). */
    public FactRoot facts() {
        return root;
    }

    /**
     * Reads the facts and guests and runs the rules.
     *
     * @throws GuestConfigException when a given configuration file cannot be read or parsed, or a
     *                              libvirt URI does not answer
     */
    public AuditReport run() throws GuestConfigException {
        List<String> notes = new ArrayList<>();
        AuditContext context = gather(notes);
        List<Finding> findings = new ArrayList<>();
        for (Rule rule : rules.rules()) {
            findings.addAll(evaluate(rule, context));
        }
        return new AuditReport(label, context.host().describe(), findings, notes);
    }

    /**
     * Reads the facts and loads the guests without judging them: what {@link #run} judges and what
     * a plan starts from. What could not be read (files, stored configurations, guests' own
     * warnings) is appended to {@code notes}, one sentence each.
     *
     * @throws GuestConfigException when a given configuration file cannot be read or parsed, or a
     *                              libvirt URI does not answer
     */
    public AuditContext gather(List<String> notes) throws GuestConfigException {
        HostFacts host = HostFacts.read(root);
        notes.addAll(host.problems());
        Map<String, Guest> guests = new LinkedHashMap<>();
        for (Path path : domainXml) {
            add(guests, GuestLoader.fromDomainXml(path));
            keep(path, ".xml", DOMAIN_XML_DIR);
        }
        for (Path path : qemuCmdlines) {
            add(guests, List.of(GuestLoader.fromQemuCmdlineFile(path)));
            keep(path, "", QEMU_CMDLINE_DIR);
        }
        for (String uri : libvirtUris) {
            add(guests, GuestLoader.fromLibvirt(uri));
        }
        for (String uri : optionalLibvirtUris) {
            try {
                add(guests, GuestLoader.fromLibvirt(uri));
            } catch (GuestConfigException e) {
                notes.add(e.getMessage());
            }
        }
        if (!root.isLive()) {
            add(guests, stored(DOMAIN_XML_DIR, true, notes));
            add(guests, stored(QEMU_CMDLINE_DIR, false, notes));
        }
        Map<Integer, List<String>> processes = new LinkedHashMap<>();
        for (QemuProcess process : host.qemuProcesses()) {
            processes.put(process.pid(), process.argv());
        }
        add(guests, GuestLoader.fromProcessCmdlines(processes));
        for (Guest guest : guests.values()) {
            guest.problems().forEach(problem -> notes.add(guest.name() + ": " + problem));
        }
        return AuditContext.of(host, new ArrayList<>(guests.values()));
    }

    /**
     * Runs one rule. A rule is not supposed to throw; if one does on facts nobody foresaw, the audit
     * goes on and the report says which rule could not judge.
     */
    private static List<Finding> evaluate(Rule rule, AuditContext context) {
        try {
            return rule.evaluate(context);
        } catch (RuntimeException e) {
            return List.of(new Finding(rule.info().id(), rule.info().severity(), Outcome.NOT_APPLICABLE,
                    AuditContext.HOST, rule.info().area(), rule.info().title(),
                    "the rule could not judge these facts (" + e + "); please report it with a capture (--capture)",
                    "", "", ""));
        }
    }

    private static void add(Map<String, Guest> guests, List<Guest> loaded) {
        for (Guest guest : loaded) {
            guests.putIfAbsent(guest.name(), guest);
        }
    }

    /** Keeps the given configuration file(s) in the root's record for a capture. */
    private void keep(Path path, String suffix, String dir) {
        List<Path> files;
        if (Files.isDirectory(path)) {
            try (Stream<Path> list = Files.list(path)) {
                files = list.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                        .sorted().toList();
            } catch (IOException e) {
                return;
            }
        } else {
            files = List.of(path);
        }
        for (Path file : files) {
            try {
                root.keep(dir + "/" + (++kept) + "-" + file.getFileName(), Files.readAllBytes(file));
            } catch (IOException e) {
                root.problem(file + ": cannot keep it for a capture (" + e.getMessage() + ")");
            }
        }
    }

    /** Loads the configurations stored under {@code dir} of a captured tree. */
    private List<Guest> stored(String dir, boolean xml, List<String> notes) {
        List<Guest> loaded = new ArrayList<>();
        for (String name : root.list(dir)) {
            Path file = root.path().resolve(dir).resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            try {
                if (xml) {
                    loaded.addAll(GuestLoader.fromDomainXml(file));
                } else {
                    loaded.add(GuestLoader.fromQemuCmdlineFile(file));
                }
                root.readRaw(dir + "/" + name);
            } catch (GuestConfigException e) {
                notes.add(e.getMessage());
            }
        }
        return loaded;
    }
}
