package dev.jvirtio.tune.rule;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.HostFacts;

import java.util.List;
import java.util.Objects;

/**
 * Everything an audit knows: the facts of the machine at the audited root and the guest
 * configurations found for it. Immutable; rules only read it.
 */
public final class AuditContext {

    /** The subject name of findings about the audited machine itself. */
    public static final String HOST = "host";

    private final HostFacts host;
    private final List<Guest> guests;

    private AuditContext(HostFacts host, List<Guest> guests) {
        this.host = Objects.requireNonNull(host, "host");
        this.guests = List.copyOf(guests);
    }

    /** A context of the given host facts and guests (copied). */
    public static AuditContext of(HostFacts host, List<Guest> guests) {
        return new AuditContext(host, guests);
    }

    /** The facts of the machine at the audited root. */
    public HostFacts host() {
        return host;
    }

    /** The guest configurations, in the order they were loaded; empty when none was found. */
    public List<Guest> guests() {
        return guests;
    }
}
