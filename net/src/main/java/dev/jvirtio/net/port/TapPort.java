package dev.jvirtio.net.port;

import dev.jvirtio.core.device.VirtioFeatures;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.linux.Tap;
import dev.jvirtio.net.NetFeatures;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * A port on a tap interface: one tap queue per lane (a multi-queue tap when there are several),
 * frames passed with their {@code virtio_net_hdr_v1} so that checksum and segmentation offloads
 * cross unchanged. The kernel is told which offloads the driver accepts (TUNSETOFFLOAD) when the
 * features are negotiated, so TSO/GSO frames from the host reach the guest unsegmented.
 */
public final class TapPort implements Port {

    private static final Logger LOG = Logger.getLogger(TapPort.class.getName());

    private final String name;
    private final List<Tap> taps;
    private final List<PortLane> lanes;

    private TapPort(String name, List<Tap> taps) {
        this.name = name;
        this.taps = taps;
        this.lanes = taps.stream().<PortLane>map(TapLane::new).toList();
    }

    /**
     * Opens (creating it if needed) the tap interface {@code name} with {@code queues} queues in
     * the calling thread's network namespace.
     *
     * @throws LinuxException naming the call if the tap cannot be opened (no CAP_NET_ADMIN, no
     *     /dev/net/tun, a name in use by another kind of interface)
     */
    public static TapPort open(String name, int queues) throws LinuxException {
        if (queues < 1) {
            throw new IllegalArgumentException("a tap port needs at least 1 queue, not " + queues);
        }
        List<Tap> taps = new ArrayList<>();
        try {
            for (int i = 0; i < queues; i++) {
                taps.add(Tap.open(name, queues > 1));
            }
        } catch (LinuxException | RuntimeException e) {
            taps.forEach(Tap::close);
            throw e;
        }
        return new TapPort(taps.getFirst().name(), List.copyOf(taps));
    }

    /** The interface name. */
    public String name() {
        return name;
    }

    /** The tap queues, one per lane. */
    public List<Tap> taps() {
        return taps;
    }

    @Override
    public List<PortLane> lanes() {
        return lanes;
    }

    /** The TUNSETOFFLOAD mask that matches a driver's receive features. */
    public static int offloadsFor(long guestFeatures) {
        int offloads = 0;
        if (VirtioFeatures.has(guestFeatures, NetFeatures.GUEST_CSUM)) {
            offloads |= Tap.OFFLOAD_CSUM;
            if (VirtioFeatures.has(guestFeatures, NetFeatures.GUEST_TSO4)) {
                offloads |= Tap.OFFLOAD_TSO4;
            }
            if (VirtioFeatures.has(guestFeatures, NetFeatures.GUEST_TSO6)) {
                offloads |= Tap.OFFLOAD_TSO6;
            }
            if (VirtioFeatures.has(guestFeatures, NetFeatures.GUEST_ECN)) {
                offloads |= Tap.OFFLOAD_TSO_ECN;
            }
            if (VirtioFeatures.has(guestFeatures, NetFeatures.GUEST_UFO)) {
                offloads |= Tap.OFFLOAD_UFO;
            }
        }
        return offloads;
    }

    @Override
    public void acceptOffloads(long guestFeatures) {
        int offloads = offloadsFor(guestFeatures);
        for (Tap tap : taps) {
            try {
                tap.setOffload(offloads);
            } catch (LinuxException e) {
                LOG.warning("tap " + name + ": " + e.getMessage() + "; retrying without UFO");
                try {
                    tap.setOffload(offloads & ~Tap.OFFLOAD_UFO);
                } catch (LinuxException again) {
                    LOG.warning("tap " + name + ": offloads stay off: " + again.getMessage());
                }
            }
        }
    }

    @Override
    public void close() {
        taps.forEach(Tap::close);
    }

    @Override
    public String toString() {
        return "TapPort[" + name + ", " + taps.size() + " queue(s)]";
    }

    private static final class TapLane implements PortLane {
        private final Tap tap;
        private long lastWarning;

        TapLane(Tap tap) {
            this.tap = tap;
        }

        @Override
        public int readyDescriptor() {
            return tap.fd().value();
        }

        @Override
        public int receive(MemorySegment dst) {
            try {
                return tap.read(dst);
            } catch (LinuxException e) {
                warn(e);
                return 0;
            }
        }

        @Override
        public boolean send(MemorySegment frame) {
            try {
                tap.write(frame);
                return true;
            } catch (LinuxException e) {
                warn(e);
                return false;
            }
        }

        /** At most one warning a second: a downed interface fails every write. */
        private void warn(LinuxException e) {
            long now = System.nanoTime();
            if (now - lastWarning > 1_000_000_000L) {
                lastWarning = now;
                LOG.warning(e.getMessage());
            }
        }
    }
}
