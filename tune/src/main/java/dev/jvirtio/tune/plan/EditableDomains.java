package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.guest.GuestConfigException;
import dev.jvirtio.tune.guest.LibvirtSession;
import dev.jvirtio.tune.host.CpuSet;
import dev.jvirtio.tune.plan.xml.XmlDocument;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds which guests a plan can edit, and their domain XML: guests read from a domain XML file
 * (given, or stored under a captured root) and the domains of a libvirt connection. Guests read
 * from QEMU command lines or running processes cannot be edited.
 */
public final class EditableDomains {

    private static final String LIBVIRT = "libvirt:";

    private EditableDomains() {
    }

    /**
     * The editable guests among {@code guests}, by name. libvirt connections are opened read-only.
     *
     * @throws GuestConfigException when a domain XML file or a libvirt domain cannot be read
     */
    public static Map<String, EditableDomain> find(List<Guest> guests) throws GuestConfigException {
        Map<String, EditableDomain> found = new LinkedHashMap<>();
        Map<String, LibvirtSession> sessions = new LinkedHashMap<>();
        try {
            for (Guest guest : guests) {
                String source = guest.source();
                if (source.startsWith(LIBVIRT)) {
                    String uri = source.substring(LIBVIRT.length());
                    LibvirtSession session = sessions.get(uri);
                    if (session == null) {
                        session = LibvirtSession.open(uri, true);
                        sessions.put(uri, session);
                    }
                    boolean running = session.running(guest.name());
                    List<String> pins = running ? session.vcpuPins(guest.name()).stream().map(CpuSet::toString).toList()
                            : List.of();
                    found.put(guest.name(), new EditableDomain(new LibvirtDomain(uri, guest.name()),
                            session.persistentXml(guest.name(), false), running, pins));
                } else if (source.endsWith(".xml") && Files.isRegularFile(Path.of(source))) {
                    Path file = Path.of(source);
                    found.put(guest.name(), EditableDomain.file(new DomainFile(file), read(file)));
                }
            }
        } finally {
            sessions.values().forEach(LibvirtSession::close);
        }
        return found;
    }

    private static String read(Path file) throws GuestConfigException {
        try {
            if (Files.size(file) > XmlDocument.MAX_BYTES) {
                throw new GuestConfigException("Domain XML file " + file + " is larger than " + XmlDocument.MAX_BYTES
                        + " bytes.");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GuestConfigException("Cannot read domain XML file " + file + ": " + e.getMessage() + ".", e);
        }
    }
}
