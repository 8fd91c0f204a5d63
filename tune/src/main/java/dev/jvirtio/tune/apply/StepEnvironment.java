package dev.jvirtio.tune.apply;

import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.guest.LibvirtSession;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What steps act through: the root, and writable libvirt connections opened on first use. */
final class StepEnvironment implements AutoCloseable {

    final Path root;
    private final Map<String, LibvirtSession> sessions = new LinkedHashMap<>();

    StepEnvironment(Path root) {
        this.root = root;
    }

    /** A writable connection to {@code uri}, shared by every step of this run. */
    LibvirtSession libvirt(String uri) throws GuestConfigException {
        LibvirtSession session = sessions.get(uri);
        if (session == null) {
            session = LibvirtSession.open(uri, false);
            sessions.put(uri, session);
        }
        return session;
    }

    @Override
    public void close() {
        sessions.values().forEach(LibvirtSession::close);
        sessions.clear();
    }
}
