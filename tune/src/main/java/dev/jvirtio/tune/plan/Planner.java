package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.audit.Audit;
import dev.jvirtio.tune.guest.DomainXmlParser;
import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.rule.AuditContext;
import dev.jvirtio.tune.rules.guest.GuestHugePagesRule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes a {@link Plan}: reads what an audit reads (the facts under a root, the guests of domain
 * XML files, libvirt connections, captured configurations and running QEMU processes) and turns
 * what fails the practices into changes.
 *
 * <p>The host's changes come first: CFS limits of VM cgroups (CPU-CFS), hugetlb pools and
 * transparent huge pages (MEM-HUGEPAGES), KSM (MEM-KSM), sysctls (MEM-SWAP, MEM-ZONE-RECLAIM) and
 * I/O schedulers (STO-SCHED); then each editable guest's domain XML (see the guest planner for the
 * practices), with the vCPUs of all guests placed together (CPU-PIN, MEM-NUMA). Planning reads
 * only: nothing is changed.
 */
public final class Planner {

    private Planner() {
    }

    /**
     * Plans for the machine at {@code root} and its guests.
     *
     * @param domainXml   domain XML files or directories of them, edited in place
     * @param libvirtUris libvirt connections whose domains are edited (read-only while planning)
     * @throws GuestConfigException when a configuration cannot be read or a URI does not answer
     * @throws PlanException        when the options ask for something impossible
     */
    public static Plan plan(FactRoot root, List<Path> domainXml, List<String> libvirtUris, PlanOptions options)
            throws GuestConfigException, PlanException {
        Audit audit = Audit.of(root);
        domainXml.forEach(audit::domainXml);
        libvirtUris.forEach(audit::libvirt);
        List<String> notes = new ArrayList<>();
        AuditContext context = audit.gather(notes);
        Map<String, EditableDomain> editable = EditableDomains.find(context.guests());
        List<Guest> guests = new ArrayList<>();
        for (Guest guest : context.guests()) {
            EditableDomain domain = editable.get(guest.name());
            // A running domain's live XML is not what is edited: plan from its persistent definition.
            guests.add(domain != null && domain.target() instanceof LibvirtDomain
                    ? DomainXmlParser.parse(domain.xml(), guest.source()) : guest);
        }
        Plan plan = plan(root, AuditContext.of(context.host(), guests), editable, options);
        notes.addAll(plan.notes());
        return new Plan(plan.root(), plan.changes(), notes);
    }

    /**
     * Plans from facts and guests already read.
     *
     * @param editable the guests that may be edited, by name, with their domain XML
     * @throws PlanException when the options ask for something impossible
     */
    public static Plan plan(FactRoot root, AuditContext context, Map<String, EditableDomain> editable,
                            PlanOptions options) throws PlanException {
        CfsPlanner.check(options, context.guests());
        PlanContext c = new PlanContext(root, context.host(), context.guests(), editable, options);
        for (Guest guest : context.guests()) {
            if (!c.editable(guest)) {
                c.notes.add(guest.name() + " (" + guest.source() + ") is not a libvirt domain jvirtio can edit: "
                        + "its configuration was left alone");
            }
        }
        PlacementPlanner.plan(c);
        List<Guest> onHugetlbfs = context.guests().stream().filter(g -> g.memory().hugepages()
                || options.hugepages() && c.editable(g) && g.memoryKiB() >= GuestHugePagesRule.THRESHOLD_KIB).toList();
        List<Change> changes = new ArrayList<>();
        changes.addAll(CfsPlanner.plan(c));
        changes.addAll(HugepagePlanner.plan(c, onHugetlbfs));
        changes.addAll(ThpPlanner.plan(c, onHugetlbfs));
        changes.addAll(KsmPlanner.plan(c));
        changes.addAll(SysctlPlanner.plan(c));
        changes.addAll(SchedulerPlanner.plan(c));
        changes.addAll(GuestXmlPlanner.plan(c));
        return new Plan(root.path().toString(), changes, c.notes);
    }
}
