package dev.jvirtio.net.port;

import dev.jvirtio.linux.EventFd;
import dev.jvirtio.linux.LinuxException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.logging.Logger;

/**
 * A port of a {@link Switch} for one device: what the device sends is forwarded by the switch, and
 * what the switch forwards to it waits in one bounded inbox per lane until the device's receive
 * queue takes it. Frames for the device go to one of the lanes whose receive queue runs, chosen by
 * a hash of the flow.
 */
public final class SwitchPort implements Port, SwitchEndpoint {

    private static final Logger LOG = Logger.getLogger(SwitchPort.class.getName());

    private final Switch owner;
    private final String name;
    private final List<Lane> lanes;
    private volatile Lane[] receiving = new Lane[0];

    SwitchPort(Switch owner, String name, int laneCount, int inboxFrames) throws LinuxException {
        this.owner = owner;
        this.name = name;
        List<Lane> made = new ArrayList<>();
        try {
            for (int i = 0; i < laneCount; i++) {
                made.add(new Lane(EventFd.create(), new ArrayBlockingQueue<>(inboxFrames)));
            }
        } catch (LinuxException e) {
            made.forEach(l -> l.ready.close());
            throw e;
        }
        this.lanes = List.copyOf(made);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<? extends PortLane> lanes() {
        return lanes;
    }

    /** The switch makes no use of the driver's offloads: frames cross between devices as sent. */
    @Override
    public void acceptOffloads(long guestFeatures) {
    }

    @Override
    public Switch.Drop deliver(MemorySegment frame, Switch.FrameCopy copy) {
        Lane[] running = receiving;
        if (running.length == 0) {
            return Switch.Drop.NO_RECEIVER;
        }
        Lane lane = running.length == 1 ? running[0]
                : running[FlowHash.of(frame, (int) frame.byteSize()) % running.length];
        if (!lane.inbox.offer(copy.bytes())) {
            return Switch.Drop.INBOX_FULL;
        }
        try {
            lane.ready.signal();
        } catch (LinuxException e) {
            LOG.warning("switch port " + name + ": " + e.getMessage());
        }
        return null;
    }

    private synchronized void setReceiving(Lane lane, boolean running) {
        List<Lane> now = new ArrayList<>();
        for (Lane l : lanes) {
            if (l == lane ? running : List.of(receiving).contains(l)) {
                now.add(l);
            }
        }
        receiving = now.toArray(Lane[]::new);
    }

    /** Leaves the switch and closes the lanes' event descriptors. */
    @Override
    public void close() {
        owner.remove(this);
        lanes.forEach(l -> l.ready.close());
    }

    @Override
    public String toString() {
        return "SwitchPort[" + name + "]";
    }

    private final class Lane implements PortLane {
        final EventFd ready;
        final ArrayBlockingQueue<byte[]> inbox;

        Lane(EventFd ready, ArrayBlockingQueue<byte[]> inbox) {
            this.ready = ready;
            this.inbox = inbox;
        }

        @Override
        public int readyDescriptor() {
            return ready.fd().value();
        }

        @Override
        public int receive(MemorySegment dst) {
            byte[] frame = inbox.poll();
            if (frame == null) {
                try {
                    ready.drain();
                } catch (LinuxException e) {
                    LOG.warning("switch port " + name + ": " + e.getMessage());
                }
                frame = inbox.poll();
                if (frame == null) {
                    return 0;
                }
            }
            MemorySegment.copy(frame, 0, dst, ValueLayout.JAVA_BYTE, 0, frame.length);
            return frame.length;
        }

        @Override
        public boolean send(MemorySegment frame) {
            owner.forward(SwitchPort.this, frame);
            return true;
        }

        @Override
        public void receiving(boolean running) {
            setReceiving(this, running);
            if (!running) {
                inbox.clear();
            }
        }
    }
}
