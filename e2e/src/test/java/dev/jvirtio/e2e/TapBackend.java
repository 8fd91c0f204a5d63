package dev.jvirtio.e2e;

import dev.jvirtio.net.MacAddress;
import dev.jvirtio.net.NetDevice;
import dev.jvirtio.net.NetOptions;
import dev.jvirtio.net.port.Port;
import dev.jvirtio.net.port.Switch;
import dev.jvirtio.net.port.TapPort;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.nio.file.Path;

/**
 * A virtio-net back-end on a tap, run as a child process inside a test's network namespace (the
 * tap is created in the namespace of whoever opens {@code /dev/net/tun}). Prints {@code ready}
 * once the socket listens, serves until its standard input closes, then prints the device's
 * counters as {@code rx-frames N}, {@code tx-frames N}, {@code rx-gso N}, {@code tx-gso N} lines.
 *
 * <p>Arguments: SOCKET TAP-NAME QUEUE-PAIRS [switch-uplink]; with {@code switch-uplink} the device
 * sits on an in-process switch whose uplink is the tap, instead of on the tap itself.
 */
public final class TapBackend {

    private TapBackend() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        String tapName = args[1];
        int pairs = Integer.parseInt(args[2]);
        boolean uplink = args.length > 3 && args[3].equals("switch-uplink");
        Switch fabric = new Switch();
        Port port;
        if (uplink) {
            fabric.attachUplink(TapPort.open(tapName, 1));
            port = fabric.addPort("guest", pairs);
        } else {
            port = TapPort.open(tapName, pairs);
        }
        try (fabric; port) {
            NetDevice device = new NetDevice(NetOptions.of("net0", pairs, MacAddress.parse("52:54:00:00:01:02")), port);
            try (VhostUserBackend backend = new VhostUserBackend(device, socket, pairs, null).start()) {
                System.out.println("ready " + tapName);
                System.out.flush();
                while (System.in.read() >= 0) {
                    // serve until the test closes our input
                }
            }
            long rxFrames = 0, txFrames = 0, rxGso = 0, txGso = 0;
            for (int k = 0; k < pairs; k++) {
                rxFrames += device.counters(2 * k).frames();
                rxGso += device.counters(2 * k).segmentationOffloadFrames();
                txFrames += device.counters(2 * k + 1).frames();
                txGso += device.counters(2 * k + 1).segmentationOffloadFrames();
            }
            System.out.println("rx-frames " + rxFrames);
            System.out.println("tx-frames " + txFrames);
            System.out.println("rx-gso " + rxGso);
            System.out.println("tx-gso " + txGso);
            System.out.println("summary " + device.summary());
            System.out.println("summary " + fabric);
        }
    }
}
