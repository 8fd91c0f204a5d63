package dev.jvirtio.tune.rule;

import dev.jvirtio.tune.rules.guest.BalloonRule;
import dev.jvirtio.tune.rules.guest.BlockDeviceRule;
import dev.jvirtio.tune.rules.guest.CacheModeRule;
import dev.jvirtio.tune.rules.guest.DataPlaneRule;
import dev.jvirtio.tune.rules.guest.DiskNamesRule;
import dev.jvirtio.tune.rules.guest.GuestHugePagesRule;
import dev.jvirtio.tune.rules.guest.ImageFormatRule;
import dev.jvirtio.tune.rules.guest.NetworkModelRule;
import dev.jvirtio.tune.rules.guest.ParavirtualDevicesRule;
import dev.jvirtio.tune.rules.guest.PartitionAlignmentRule;
import dev.jvirtio.tune.rules.guest.PassthroughRule;
import dev.jvirtio.tune.rules.guest.QemuSyntaxRule;
import dev.jvirtio.tune.rules.guest.QueueCountRule;
import dev.jvirtio.tune.rules.guest.SparseImageRule;
import dev.jvirtio.tune.rules.guest.TapBackendRule;
import dev.jvirtio.tune.rules.host.CpuCfsRule;
import dev.jvirtio.tune.rules.host.CpuOvercommitRule;
import dev.jvirtio.tune.rules.host.CpuPinRule;
import dev.jvirtio.tune.rules.host.GuestBalloonDriverRule;
import dev.jvirtio.tune.rules.host.GuestDiskDriverRule;
import dev.jvirtio.tune.rules.host.GuestNicDriverRule;
import dev.jvirtio.tune.rules.host.MemHugepagesRule;
import dev.jvirtio.tune.rules.host.MemKsmRule;
import dev.jvirtio.tune.rules.host.MemNumaRule;
import dev.jvirtio.tune.rules.host.MemSwapRule;
import dev.jvirtio.tune.rules.host.MemZoneReclaimRule;
import dev.jvirtio.tune.rules.host.NetDpdkSriovRule;
import dev.jvirtio.tune.rules.host.NetOffloadRule;
import dev.jvirtio.tune.rules.host.NetPassthroughRule;
import dev.jvirtio.tune.rules.host.NetTapRule;
import dev.jvirtio.tune.rules.host.StoHostfsRule;
import dev.jvirtio.tune.rules.host.StoSchedRule;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules an audit runs. One practice ID may have several rules: one judging the machine's facts
 * and one judging each guest's configuration (for example {@code NET-TAP}: the host's device nodes,
 * and each guest NIC's back-end). Selecting or explaining an ID covers all of them.
 *
 * <p>Immutable and thread-safe.
 */
public final class RuleCatalog {

    private final List<Rule> rules;

    private RuleCatalog(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Every rule jvirtio has, in report order (VIRTIO, CPU, MEM, NET, STO). */
    public static RuleCatalog standard() {
        return new RuleCatalog(List.of(
                new ParavirtualDevicesRule(), new GuestDiskDriverRule(), new QemuSyntaxRule(), new DiskNamesRule(),
                new DataPlaneRule(), new QueueCountRule(),
                new CpuOvercommitRule(), new CpuCfsRule(), new CpuPinRule(),
                new MemKsmRule(), new BalloonRule(), new GuestBalloonDriverRule(), new MemSwapRule(),
                new MemNumaRule(), new MemZoneReclaimRule(), new MemHugepagesRule(), new GuestHugePagesRule(),
                new NetOffloadRule(), new NetTapRule(), new TapBackendRule(), new NetworkModelRule(),
                new GuestNicDriverRule(), new NetPassthroughRule(), new PassthroughRule(), new NetDpdkSriovRule(),
                new BlockDeviceRule(), new SparseImageRule(), new PartitionAlignmentRule(), new StoHostfsRule(),
                new ImageFormatRule(), new CacheModeRule(), new StoSchedRule()));
    }

    /** A catalog of exactly {@code rules}, in that order. */
    public static RuleCatalog of(List<Rule> rules) {
        return new RuleCatalog(rules);
    }

    /** The rules, in order. */
    public List<Rule> rules() {
        return rules;
    }

    /** Every rule ID, sorted. */
    public Set<String> ids() {
        Set<String> ids = new TreeSet<>();
        rules.forEach(rule -> ids.add(rule.info().id()));
        return ids;
    }

    /** The rules with ID {@code id} (case does not matter); empty when there is none. */
    public List<Rule> byId(String id) {
        String wanted = id.trim().toUpperCase(Locale.ROOT);
        return rules.stream().filter(rule -> rule.info().id().equals(wanted)).toList();
    }

    /**
     * The rules named in {@code only} (all when it is empty) minus those named in {@code skip}.
     *
     * @throws UnknownRuleException when an ID in either list names no rule
     */
    public RuleCatalog select(Collection<String> only, Collection<String> skip) throws UnknownRuleException {
        Set<String> onlyIds = check(only);
        Set<String> skipIds = check(skip);
        List<Rule> selected = new ArrayList<>();
        for (Rule rule : rules) {
            String id = rule.info().id();
            if ((onlyIds.isEmpty() || onlyIds.contains(id)) && !skipIds.contains(id)) {
                selected.add(rule);
            }
        }
        return new RuleCatalog(selected);
    }

    /**
     * The whole explanation of a practice: the text of each rule with that ID, in catalog order,
     * identical texts once.
     *
     * @throws UnknownRuleException when {@code id} names no rule
     */
    public String explain(String id) throws UnknownRuleException {
        List<Rule> matching = byId(id);
        if (matching.isEmpty()) {
            throw unknown(id);
        }
        Set<String> texts = new LinkedHashSet<>();
        matching.forEach(rule -> texts.add(rule.info().explanation().strip()));
        return String.join("\n\n", texts) + "\n";
    }

    private Set<String> check(Collection<String> ids) throws UnknownRuleException {
        Set<String> checked = new LinkedHashSet<>();
        for (String id : ids) {
            if (id.isBlank()) {
                continue;
            }
            if (byId(id).isEmpty()) {
                throw unknown(id);
            }
            checked.add(id.trim().toUpperCase(Locale.ROOT));
        }
        return checked;
    }

    private UnknownRuleException unknown(String id) {
        return new UnknownRuleException("Unknown rule ID '" + id.trim() + "': 'jvirtio explain --list' lists the "
                + ids().size() + " rule IDs.");
    }
}
