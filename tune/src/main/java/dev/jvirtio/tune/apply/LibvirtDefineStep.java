package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.guest.LibvirtSession;

import java.util.Objects;
import java.util.Optional;

/**
 * A libvirt domain given a new persistent definition. Undone by defining the old one, secrets
 * included (the journal is readable by its owner only).
 *
 * @param uri      the connection
 * @param domain   the domain's name
 * @param before   the definition before, as libvirt gave it
 * @param after    the definition defined
 * @param observed the definition as libvirt gave it back after defining, "" until known
 */
record LibvirtDefineStep(String uri, String domain, String before, String after, String observed) implements Step {

    static final String KIND = "libvirt-define";

    LibvirtDefineStep {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(observed, "observed");
    }

    @Override
    public String target() {
        return "libvirt " + uri + " domain " + domain;
    }

    @Override
    public ObjectNode toJson() {
        return Step.json(KIND).put("uri", uri).put("domain", domain).put("before", before).put("after", after);
    }

    static LibvirtDefineStep fromJson(JsonNode node, JournalFields fields) throws JournalException {
        return new LibvirtDefineStep(fields.text(node, "uri"), fields.text(node, "domain"),
                fields.text(node, "before"), fields.text(node, "after"), "");
    }

    @Override
    public Optional<String> make(StepEnvironment env) throws GuestConfigException {
        LibvirtSession session = env.libvirt(uri);
        session.define(after);
        return Optional.of(session.persistentXml(domain, true));
    }

    @Override
    public Step observed(String afterAsRead) {
        return new LibvirtDefineStep(uri, domain, before, after, afterAsRead);
    }

    @Override
    public void undo(StepEnvironment env) throws GuestConfigException {
        LibvirtSession session = env.libvirt(uri);
        if (!session.persistentXml(domain, true).equals(before)) {
            session.define(before);
        }
    }

    @Override
    public StepState state(StepEnvironment env) throws GuestConfigException {
        String now = env.libvirt(uri).persistentXml(domain, true);
        if (now.equals(observed) || now.equals(after)) {
            return StepState.AFTER;
        }
        return now.equals(before) ? StepState.BEFORE : StepState.OTHER;
    }
}
