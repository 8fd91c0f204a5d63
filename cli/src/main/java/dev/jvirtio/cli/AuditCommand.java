package dev.jvirtio.cli;

import dev.jvirtio.tune.audit.Audit;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.host.CaptureException;
import dev.jvirtio.tune.host.ExtractedCapture;
import dev.jvirtio.tune.host.FactCapture;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.report.AuditReport;
import dev.jvirtio.tune.rule.RuleCatalog;
import dev.jvirtio.tune.rule.UnknownRuleException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio audit}: checks the machine at a root (the live one by default) and its guests
 * against every practice, and prints the findings. Exit code 0 when nothing failed at warn or risk,
 * 1 when something did, 2 on a usage error (including unreadable input: an unknown rule ID, a
 * malformed domain XML, a damaged capture).
 */
@Command(name = "audit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Audit a KVM host or guest and its guests' configurations against the practices.", "",
                "Checks the virtio, CPU, memory, network and storage practices; 'jvirtio explain ID' tells the why.",
                "Exit code: 0 nothing failed at warn or risk, 1 something did, 2 usage error."})
public final class AuditCommand implements Callable<Integer> {

    static final int EXIT_USAGE = 2;
    private static final Path LIBVIRT_SOCKET = Path.of("/run/libvirt/libvirt-sock");

    @Spec
    CommandSpec spec;

    @Option(names = "--root", paramLabel = "DIR", description = "Read the machine's files under DIR (default /).")
    Path root;

    @Option(names = "--capture", paramLabel = "FILE",
            description = "Also write every file the audit read into FILE (.tar.gz, .tgz or .zip).")
    Path capture;

    @Option(names = "--from", paramLabel = "FILE", description = "Audit a capture written by --capture.")
    Path from;

    @Option(names = "--domain-xml", paramLabel = "FILE|DIR",
            description = "A libvirt domain XML file, or a directory of them (repeatable).")
    List<Path> domainXml = new ArrayList<>();

    @Option(names = "--qemu-cmdline", paramLabel = "FILE",
            description = "A file holding one QEMU command line as a shell reads it (repeatable).")
    List<Path> qemuCmdlines = new ArrayList<>();

    @Option(names = "--connect", paramLabel = "URI",
            description = "Read the domains of this libvirt URI (e.g. qemu:///system, test:///default).")
    List<String> connect = new ArrayList<>();

    @Option(names = "--only", paramLabel = "IDS", split = ",", description = "Run only these rule IDs.")
    List<String> only = new ArrayList<>();

    @Option(names = "--skip", paramLabel = "IDS", split = ",", description = "Skip these rule IDs.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--json", description = "Print the findings as one JSON object (see docs/audit.md).")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report to FILE.")
    Path html;

    @Option(names = "--no-color", description = "No ANSI colours (they are used only on a terminal anyway).")
    boolean noColor;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (root != null && from != null) {
            return usage(err, "--root and --from cannot be used together: --from audits the capture's own tree.");
        }
        if (root != null && !Files.isDirectory(root)) {
            return usage(err, "The root directory " + root + " does not exist or is not a directory.");
        }
        RuleCatalog rules;
        try {
            rules = RuleCatalog.standard().select(only, skip);
        } catch (UnknownRuleException e) {
            return usage(err, e.getMessage());
        }
        ExtractedCapture extracted = null;
        try {
            FactRoot facts;
            Audit audit;
            if (from != null) {
                extracted = FactCapture.extract(from);
                facts = FactRoot.of(extracted.root());
                audit = Audit.of(facts, "capture " + from);
            } else {
                facts = root == null ? FactRoot.live() : FactRoot.of(root);
                audit = Audit.of(facts);
            }
            audit.rules(rules);
            domainXml.forEach(audit::domainXml);
            qemuCmdlines.forEach(audit::qemuCmdline);
            connect.forEach(audit::libvirt);
            if (facts.isLive() && connect.isEmpty() && Files.exists(LIBVIRT_SOCKET)) {
                audit.libvirtIfAnswering("qemu:///system");
            }
            AuditReport report = audit.run();
            if (capture != null) {
                FactCapture.write(audit.facts(), capture);
            }
            if (html != null) {
                Files.writeString(html, report.toHtml(), StandardCharsets.UTF_8);
            }
            if (json) {
                out.print(report.toJson());
            } else {
                out.print(report.toText(!noColor && terminal() && System.getenv("NO_COLOR") == null));
                if (capture != null) {
                    out.println("\nCapture written to " + capture + ".");
                }
            }
            out.flush();
            return report.exitCode();
        } catch (GuestConfigException | CaptureException e) {
            return usage(err, e.getMessage());
        } catch (IOException e) {
            return usage(err, "Cannot write the HTML report " + html + ": " + e.getMessage() + ".");
        } finally {
            if (extracted != null) {
                extracted.close();
            }
        }
    }

    private static int usage(PrintWriter err, String message) {
        err.println("jvirtio audit: " + message);
        err.flush();
        return EXIT_USAGE;
    }

    /** True when standard output is a terminal: colours are for people, not for pipes. */
    private static boolean terminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }
}
