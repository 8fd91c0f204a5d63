package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.audit.Audit;
import dev.jvirtio.tune.fixture.TestRoot;
import dev.jvirtio.tune.guest.DomainXmlParser;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.rule.AuditContext;

import java.util.ArrayList;
import java.util.List;

/** Plans and planning contexts over the test trees. */
final class PlanFixtures {

    private PlanFixtures() {
    }

    /** The plan for {@code root} and the guests stored in it. */
    static Plan plan(TestRoot root, PlanOptions options) {
        try {
            return Planner.plan(FactRoot.of(root.path()), List.of(), List.of(), options);
        } catch (GuestConfigException | PlanException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the planners start from for {@code root}: its facts and its stored guests, all editable as found. */
    static PlanContext context(TestRoot root, PlanOptions options) {
        try {
            AuditContext audit = Audit.of(FactRoot.of(root.path())).gather(new ArrayList<>());
            return new PlanContext(FactRoot.of(root.path()), audit.host(), audit.guests(),
                    EditableDomains.find(audit.guests()), options);
        } catch (GuestConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The changes of {@code plan} for one rule and subject. */
    static List<Change> changes(Plan plan, String rule, String subject) {
        return plan.changes().stream().filter(c -> c.rule().equals(rule) && c.subject().equals(subject)).toList();
    }

    /** The guest a domain edit leaves behind. */
    static Guest after(DomainEdit edit) {
        try {
            return DomainXmlParser.parse(edit.after(), edit.target());
        } catch (GuestConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last domain edit of guest {@code name}: its document is the guest as planned. */
    static DomainEdit lastEdit(Plan plan, String name) {
        return plan.changes().stream().filter(c -> c instanceof DomainEdit && c.subject().equals(name))
                .map(DomainEdit.class::cast).reduce((a, b) -> b).orElseThrow();
    }
}
