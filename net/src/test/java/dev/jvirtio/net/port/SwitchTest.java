package dev.jvirtio.net.port;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.net.MacAddress;
import dev.jvirtio.net.NetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The learning switch forwards between ports as an Ethernet bridge does, and drops what it must. */
class SwitchTest {

    private static final MacAddress A = MacAddress.parse("52:54:00:00:00:0a");
    private static final MacAddress B = MacAddress.parse("52:54:00:00:00:0b");
    private static final MacAddress C = MacAddress.parse("52:54:00:00:00:0c");

    private final Arena arena = Arena.ofConfined();
    private final List<SwitchPort> ports = new ArrayList<>();

    @AfterEach
    void close() {
        ports.forEach(SwitchPort::close);
        arena.close();
    }

    private SwitchPort port(Switch fabric, String name) throws Exception {
        SwitchPort p = fabric.addPort(name, 1);
        p.lane(0).receiving(true);
        ports.add(p);
        return p;
    }

    private MemorySegment frame(MacAddress dst, MacAddress src, int tag) {
        MemorySegment f = arena.allocate(NetHeader.SIZE + 60);
        MemorySegment.copy(dst.octets(), 0, f, ValueLayout.JAVA_BYTE, NetHeader.SIZE, 6);
        MemorySegment.copy(src.octets(), 0, f, ValueLayout.JAVA_BYTE, NetHeader.SIZE + 6, 6);
        f.set(ValueLayout.JAVA_BYTE, NetHeader.SIZE + 14, (byte) tag);
        return f;
    }

    /** The tags of every frame waiting on the port's lane, in order. */
    private List<Integer> received(SwitchPort port) {
        MemorySegment buffer = arena.allocate(NetHeader.MAX_FRAME_WITH_HEADER);
        List<Integer> tags = new ArrayList<>();
        while (port.lane(0).receive(buffer) > 0) {
            tags.add((int) buffer.get(ValueLayout.JAVA_BYTE, NetHeader.SIZE + 14));
        }
        return tags;
    }

    @Test
    void anUnknownDestinationIsFloodedThenLearnedAddressesAreForwardedAlone() throws Exception {
        Switch fabric = new Switch();
        SwitchPort a = port(fabric, "a");
        SwitchPort b = port(fabric, "b");
        SwitchPort c = port(fabric, "c");

        a.lane(0).send(frame(B, A, 1));
        assertThat(received(b)).containsExactly(1);
        assertThat(received(c)).as("flooded").containsExactly(1);

        b.lane(0).send(frame(A, B, 2));
        assertThat(received(a)).containsExactly(2);
        assertThat(received(c)).as("A was learned behind port a").isEmpty();

        a.lane(0).send(frame(B, A, 3));
        assertThat(received(b)).containsExactly(3);
        assertThat(received(c)).as("B was learned behind port b").isEmpty();

        assertThat(fabric.flooded()).isEqualTo(1);
        assertThat(fabric.forwarded()).isEqualTo(2);
        assertThat(fabric.learned()).isEqualTo(2);
    }

    @Test
    void broadcastsReachEveryOtherPort() throws Exception {
        Switch fabric = new Switch();
        SwitchPort a = port(fabric, "a");
        SwitchPort b = port(fabric, "b");
        SwitchPort c = port(fabric, "c");
        b.lane(0).send(frame(A, B, 9));
        assertThat(received(a)).containsExactly(9);
        assertThat(received(c)).as("A was unknown, so flooded").containsExactly(9);
        a.lane(0).send(frame(MacAddress.BROADCAST, A, 4));
        assertThat(received(a)).isEmpty();
        assertThat(received(b)).containsExactly(4);
        assertThat(received(c)).containsExactly(4);
        assertThat(fabric.learned()).as("the broadcast address is never learned").isEqualTo(2);
    }

    @Test
    void aFullInboxAPortThatDoesNotReceiveAndARuntAreDroppedAndCounted() throws Exception {
        Switch fabric = new Switch(2);
        SwitchPort a = port(fabric, "a");
        SwitchPort b = port(fabric, "b");
        for (int i = 0; i < 3; i++) {
            a.lane(0).send(frame(B, A, i));
        }
        assertThat(received(b)).containsExactly(0, 1);
        assertThat(fabric.drops(Switch.Drop.INBOX_FULL)).isEqualTo(1);

        b.lane(0).receiving(false);
        a.lane(0).send(frame(B, A, 5));
        assertThat(fabric.drops(Switch.Drop.NO_RECEIVER)).isEqualTo(1);

        a.lane(0).send(arena.allocate(NetHeader.SIZE + 13));
        assertThat(fabric.drops(Switch.Drop.RUNT)).isEqualTo(1);

        a.lane(0).send(frame(A, A, 6));
        assertThat(fabric.drops(Switch.Drop.HAIRPIN)).isEqualTo(1);
        assertThat(received(a)).isEmpty();
    }
}
