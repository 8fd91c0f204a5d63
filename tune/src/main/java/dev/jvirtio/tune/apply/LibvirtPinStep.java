package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.guest.LibvirtSession;
import dev.jvirtio.tune.host.CpuSet;

import java.util.List;
import java.util.Optional;

/**
 * The live vCPU pinning of a running libvirt domain, checked by reading it back. A domain that no
 * longer runs has no live pinning to undo: its next start follows its definition.
 *
 * @param uri    the connection
 * @param domain the domain's name
 * @param before each vCPU's CPUs before, as CPU lists
 * @param after  each vCPU's CPUs after
 */
record LibvirtPinStep(String uri, String domain, List<String> before, List<String> after) implements Step {

    static final String KIND = "libvirt-vcpupin";

    LibvirtPinStep {
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    @Override
    public String target() {
        return "libvirt " + uri + " domain " + domain + " live vCPU pinning";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode node = Step.json(KIND).put("uri", uri).put("domain", domain);
        ArrayNode b = node.putArray("before");
        before.forEach(b::add);
        ArrayNode a = node.putArray("after");
        after.forEach(a::add);
        return node;
    }

    static LibvirtPinStep fromJson(JsonNode node, JournalFields fields) throws JournalException {
        List<String> before = fields.texts(node, "before");
        List<String> after = fields.texts(node, "after");
        for (String set : before) {
            check(set, fields);
        }
        for (String set : after) {
            check(set, fields);
        }
        return new LibvirtPinStep(fields.text(node, "uri"), fields.text(node, "domain"), before, after);
    }

    @Override
    public Optional<String> make(StepEnvironment env) throws GuestConfigException {
        pin(env.libvirt(uri), after);
        return Optional.empty();
    }

    @Override
    public void undo(StepEnvironment env) throws GuestConfigException {
        LibvirtSession session = env.libvirt(uri);
        if (session.running(domain)
                && !session.vcpuPins(domain).stream().map(CpuSet::toString).toList().equals(before)) {
            pin(session, before);
        }
    }

    @Override
    public StepState state(StepEnvironment env) throws GuestConfigException {
        LibvirtSession session = env.libvirt(uri);
        if (!session.running(domain)) {
            return StepState.BEFORE;
        }
        List<String> now = session.vcpuPins(domain).stream().map(CpuSet::toString).toList();
        return now.equals(after) ? StepState.AFTER : now.equals(before) ? StepState.BEFORE : StepState.OTHER;
    }

    private void pin(LibvirtSession session, List<String> pins) throws GuestConfigException {
        for (int vcpu = 0; vcpu < pins.size(); vcpu++) {
            session.pinVcpu(domain, vcpu, CpuSet.parse(pins.get(vcpu)));
        }
        List<String> now = session.vcpuPins(domain).stream().map(CpuSet::toString).toList();
        if (!now.subList(0, Math.min(now.size(), pins.size())).equals(pins)) {
            throw new GuestConfigException("libvirt at " + uri + " shows the vCPUs of domain " + domain + " on " + now
                    + " after pinning them to " + pins + ".");
        }
    }

    private static void check(String set, JournalFields fields) throws JournalException {
        if (CpuSet.tryParse(set).isEmpty() || set.isBlank()) {
            throw fields.damaged("'" + set + "' is not a CPU list");
        }
    }
}
