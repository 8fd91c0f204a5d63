package dev.jvirtio.tune.guest;

import dev.jvirtio.tune.host.CpuSet;

import java.util.ArrayList;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.jna.Libvirt;

/**
 * One connection to libvirt for reading and changing domain definitions: the persistent XML, the
 * live vCPU pinning of a running domain, defining a new XML and pinning a vCPU.
 *
 * <p>Every failure becomes a {@link GuestConfigException} whose message names the URI, the domain
 * and what libvirt said. Not thread-safe; close it when done.
 */
public final class LibvirtSession implements AutoCloseable {

    /** {@code VIR_DOMAIN_XML_SECURE}: include secrets such as display passwords. */
    private static final int XML_SECURE = 1;
    /** {@code VIR_DOMAIN_XML_INACTIVE}: the persistent definition, not the running state. */
    private static final int XML_INACTIVE = 2;

    /** Keeps libvirt from printing errors itself: they arrive as exceptions. Held so it stays reachable. */
    private static final Libvirt.VirErrorCallback QUIET_ERRORS = (userData, error) -> {
    };

    private final String uri;
    private final Connect connect;

    private LibvirtSession(String uri, Connect connect) {
        this.uri = uri;
        this.connect = connect;
    }

    /**
     * Opens {@code uri}.
     *
     * @param readOnly true for reading only (no secrets, no changes)
     * @throws GuestConfigException when the libvirt library is missing or the URI does not answer
     */
    public static LibvirtSession open(String uri, boolean readOnly) throws GuestConfigException {
        try {
            Connect.setErrorCallback(QUIET_ERRORS);
            return new LibvirtSession(uri, new Connect(uri, readOnly));
        } catch (LibvirtException e) {
            throw new GuestConfigException("Cannot connect to libvirt at " + uri + ": " + sentence(e), e);
        } catch (LinkageError e) {
            throw new GuestConfigException("Cannot connect to libvirt at " + uri
                    + ": the libvirt client library is not installed (Debian package libvirt0).", e);
        }
    }

    /** The URI this session is connected to. */
    public String uri() {
        return uri;
    }

    /**
     * The persistent definition of domain {@code name}.
     *
     * @param secure include secrets; needs a connection that is not read-only
     */
    public String persistentXml(String name, boolean secure) throws GuestConfigException {
        Domain domain = lookup(name);
        try {
            return domain.getXMLDesc(XML_INACTIVE | (secure ? XML_SECURE : 0));
        } catch (LibvirtException e) {
            throw failure("read the definition of domain " + name, e);
        } finally {
            free(domain);
        }
    }

    /** True when domain {@code name} is running. */
    public boolean running(String name) throws GuestConfigException {
        Domain domain = lookup(name);
        try {
            return domain.isActive() == 1;
        } catch (LibvirtException e) {
            throw failure("ask whether domain " + name + " runs", e);
        } finally {
            free(domain);
        }
    }

    /** Each vCPU's host CPUs in running domain {@code name}, in vCPU order. */
    public List<CpuSet> vcpuPins(String name) throws GuestConfigException {
        Domain domain = lookup(name);
        try {
            int vcpus = domain.getInfo().nrVirtCpu;
            int[] maps = domain.getVcpusCpuMaps();
            List<CpuSet> pins = new ArrayList<>();
            if (vcpus <= 0 || maps.length % vcpus != 0) {
                return pins;
            }
            int bytes = maps.length / vcpus;
            for (int vcpu = 0; vcpu < vcpus; vcpu++) {
                List<Integer> cpus = new ArrayList<>();
                for (int b = 0; b < bytes; b++) {
                    int bits = maps[vcpu * bytes + b] & 0xff;
                    for (int bit = 0; bit < 8; bit++) {
                        if ((bits & (1 << bit)) != 0 && b * 8 + bit < CpuSet.MAX_CPU) {
                            cpus.add(b * 8 + bit);
                        }
                    }
                }
                pins.add(CpuSet.of(cpus.stream().mapToInt(Integer::intValue).toArray()));
            }
            return pins;
        } catch (LibvirtException e) {
            throw failure("read the vCPU pinning of domain " + name, e);
        } finally {
            free(domain);
        }
    }

    /** Defines (creates or replaces the persistent definition of) the domain {@code xml} describes. */
    public void define(String xml) throws GuestConfigException {
        try {
            free(connect.domainDefineXML(xml));
        } catch (LibvirtException e) {
            throw failure("define the domain XML", e);
        }
    }

    /** Pins vCPU {@code vcpu} of running domain {@code name} to {@code cpus}, live. */
    public void pinVcpu(String name, int vcpu, CpuSet cpus) throws GuestConfigException {
        Domain domain = lookup(name);
        try {
            int hostCpus = connect.nodeInfo().maxCpus();
            int[] map = new int[(hostCpus + 7) / 8];
            for (int cpu : cpus.toArray()) {
                if (cpu >= hostCpus) {
                    throw new GuestConfigException("Cannot pin vCPU " + vcpu + " of domain " + name + " to CPU " + cpu
                            + ": libvirt at " + uri + " has " + hostCpus + " CPUs.");
                }
                map[cpu / 8] |= 1 << (cpu % 8);
            }
            domain.pinVcpu(vcpu, map);
        } catch (LibvirtException e) {
            throw failure("pin vCPU " + vcpu + " of domain " + name + " to CPUs " + cpus, e);
        } finally {
            free(domain);
        }
    }

    @Override
    public void close() {
        try {
            connect.close();
        } catch (LibvirtException e) {
            // Closing loses nothing: every call above has returned.
        }
    }

    private Domain lookup(String name) throws GuestConfigException {
        try {
            return connect.domainLookupByName(name);
        } catch (LibvirtException e) {
            throw failure("find domain " + name, e);
        }
    }

    private GuestConfigException failure(String what, LibvirtException e) {
        return new GuestConfigException("libvirt at " + uri + " could not " + what + ": " + sentence(e), e);
    }

    private static void free(Domain domain) {
        try {
            domain.free();
        } catch (LibvirtException e) {
            // The handle is gone either way.
        }
    }

    private static String sentence(LibvirtException e) {
        String m = e.getMessage() == null ? "unknown error" : e.getMessage().strip();
        return m.endsWith(".") ? m : m + ".";
    }
}
