package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.guest.Disk;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rule.Finding;
import dev.jvirtio.tune.rule.Outcome;
import dev.jvirtio.tune.rule.Rule;
import dev.jvirtio.tune.rule.RuleInfo;
import dev.jvirtio.tune.rule.Severity;
import java.util.ArrayList;
import java.util.List;

/**
 * A rule that judges each guest configuration on its own: one finding per guest, with the guest's
 * name as the subject. No guests, no findings.
 */
abstract class GuestRule implements Rule {

    private final RuleInfo info;
    private final String expected;
    private final String reason;

    /**
     * @param expected what the practice expects, as shown next to the evidence
     * @param reason   two or three sentences, with the history where the 2020 advice changed
     */
    GuestRule(String id, String area, String title, Severity severity, String expected, String reason,
              String explanation) {
        this.info = new RuleInfo(id, area, title, severity, explanation);
        this.expected = expected;
        this.reason = reason;
    }

    @Override
    public final RuleInfo info() {
        return info;
    }

    @Override
    public final List<Finding> evaluate(AuditContext context) {
        List<Finding> findings = new ArrayList<>();
        for (Guest guest : context.guests()) {
            findings.add(judge(guest, context));
        }
        return findings;
    }

    /** The finding for one guest. */
    abstract Finding judge(Guest guest, AuditContext context);

    final Finding pass(Guest guest, String evidence) {
        return finding(guest, info.severity(), Outcome.PASS, evidence, "");
    }

    final Finding fail(Guest guest, String evidence, String fix) {
        return fail(guest, info.severity(), evidence, fix);
    }

    final Finding fail(Guest guest, Severity severity, String evidence, String fix) {
        return finding(guest, severity, Outcome.FAIL, evidence, fix);
    }

    final Finding notApplicable(Guest guest, String evidence) {
        return finding(guest, info.severity(), Outcome.NOT_APPLICABLE, evidence, "");
    }

    private Finding finding(Guest guest, Severity severity, Outcome outcome, String evidence, String fix) {
        return new Finding(info.id(), severity, outcome, guest.name(), info.area(), info.title(), evidence,
                expected, reason, fix);
    }

    /**
     * True when the guest comes from libvirt (a domain XML file or a live connection), so fixes are
     * written as domain XML; otherwise they are written as QEMU options.
     */
    static boolean libvirt(Guest guest) {
        String s = guest.source();
        return s.startsWith("libvirt:") || s.endsWith(".xml");
    }

    /** The name a disk is shown under in evidence: its target, or its position. */
    static String label(Disk disk, int position) {
        return disk.target().isEmpty() ? "disk " + (position + 1) : disk.target();
    }
}
