package dev.jvirtio.cli.serve;

import dev.jvirtio.cli.UserError;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.net.MacAddress;
import dev.jvirtio.net.NetDevice;
import dev.jvirtio.net.NetOptions;
import dev.jvirtio.net.port.Switch;
import dev.jvirtio.net.port.SwitchPort;
import dev.jvirtio.net.port.TapPort;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jvirtio serve switch}: several virtio-net back-ends joined by jvirtio's in-process L2
 * switch, optionally with a tap uplink to the host.
 */
@Command(name = "switch", mixinStandardHelpOptions = true,
        description = {"Serve one virtio-net device over vhost-user per --port socket, all on one in-process learning",
                "switch: frames between guests never leave the process. --uplink joins a tap interface to it.",
                "Prints the QEMU arguments and libvirt XML for each port. SIGINT/SIGTERM stop it and exit 0."})
public final class ServeSwitchCommand implements Callable<Integer> {

    @Option(names = "--port", required = true, paramLabel = "SOCK", description = "A port's UNIX socket; repeat for each guest.")
    List<Path> ports;

    @Option(names = "--uplink", paramLabel = "TAP", description = "A tap interface to join to the switch.")
    String uplink;

    @Option(names = "--queues", defaultValue = "1", paramLabel = "N", description = "Queue pairs per port. Default: ${DEFAULT-VALUE}.")
    int queues;

    @Option(names = "--mtu", defaultValue = "1500", paramLabel = "BYTES", description = "Largest MTU offered. Default: ${DEFAULT-VALUE}.")
    int mtu;

    @Override
    public Integer call() throws Exception {
        if (new HashSet<>(ports).size() != ports.size()) {
            throw new UserError("each --port needs a socket path of its own: " + ports);
        }
        Switch fabric = new Switch();
        List<SwitchPort> switchPorts = new ArrayList<>();
        List<NetDevice> devices = new ArrayList<>();
        List<VhostUserBackend> backends = new ArrayList<>();
        try (fabric) {
            if (uplink != null) {
                try {
                    fabric.attachUplink(TapPort.open(uplink, 1));
                } catch (IllegalArgumentException e) {
                    throw new UserError(e.getMessage());
                } catch (LinuxException e) {
                    throw new UserError("cannot open the uplink tap interface " + uplink
                            + " (it needs root or CAP_NET_ADMIN): " + e.getMessage(), e);
                }
            }
            for (int i = 0; i < ports.size(); i++) {
                String mac = mac(i);
                NetOptions options;
                try {
                    options = new NetOptions("sw" + i, queues, NetOptions.DEFAULT_QUEUE_SIZE, MacAddress.parse(mac), mtu);
                } catch (IllegalArgumentException e) {
                    throw new UserError(e.getMessage());
                }
                SwitchPort port = fabric.addPort("sw" + i, queues);
                switchPorts.add(port);
                NetDevice device = new NetDevice(options, port);
                devices.add(device);
                try {
                    backends.add(new VhostUserBackend(device, ports.get(i), queues, null).start());
                } catch (LinuxException e) {
                    throw new UserError("cannot listen on " + ports.get(i) + ": " + e.getMessage(), e);
                }
            }
            ShutdownSignal signal = new ShutdownSignal();
            System.out.printf("jvirtio: switch with %d port(s)%s%n", ports.size(), uplink != null ? " and uplink tap " + uplink : "");
            for (int i = 0; i < ports.size(); i++) {
                Path socket = ports.get(i).toAbsolutePath();
                System.out.println();
                System.out.println("port " + i + " QEMU:");
                System.out.println(AttachSnippets.qemuNet(socket, queues, mac(i), i));
                System.out.println("port " + i + " libvirt:");
                System.out.println(AttachSnippets.libvirtNet(socket, queues, mac(i)));
            }
            System.out.println(AttachSnippets.NET_TCG_NOTE);
            System.out.println();
            System.out.flush();
            String got = signal.await();
            System.out.println("jvirtio: " + got + ", stopping");
        } finally {
            backends.forEach(VhostUserBackend::close);
            switchPorts.forEach(SwitchPort::close);
        }
        devices.forEach(d -> System.out.println("jvirtio: served " + d.summary()));
        System.out.println("jvirtio: " + fabric);
        return 0;
    }

    /** A locally administered unicast address per port: 52:54:00:4a:56:NN. */
    private static String mac(int index) {
        return String.format("52:54:00:4a:56:%02x", index & 0xff);
    }
}
