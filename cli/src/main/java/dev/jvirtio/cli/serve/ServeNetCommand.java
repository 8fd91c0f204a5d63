package dev.jvirtio.cli.serve;

import dev.jvirtio.cli.UserError;
import dev.jvirtio.linux.LinuxException;
import dev.jvirtio.net.MacAddress;
import dev.jvirtio.net.NetDevice;
import dev.jvirtio.net.NetOptions;
import dev.jvirtio.net.port.TapPort;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jvirtio serve net}: a virtio-net back-end over vhost-user in front of a tap interface. */
@Command(name = "net", mixinStandardHelpOptions = true,
        description = {"Serve a virtio-net device over vhost-user whose frames go to and come from a tap interface",
                "(created if missing, with offloads so TSO/GSO frames pass unsegmented). Prints the QEMU arguments",
                "and the libvirt XML that attach it. SIGINT/SIGTERM stop it, remove the socket and exit 0."})
public final class ServeNetCommand implements Callable<Integer> {

    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "UNIX socket to listen on.")
    Path socket;

    @Option(names = "--tap", required = true, paramLabel = "NAME", description = "Tap interface, 1 to 15 characters.")
    String tap;

    @Option(names = "--queues", defaultValue = "1", paramLabel = "N",
            description = "Queue pairs (a multi-queue tap when more than 1). Default: ${DEFAULT-VALUE}.")
    int queues;

    @Option(names = "--mac", defaultValue = "52:54:00:12:34:56", paramLabel = "MAC",
            description = "MAC address in the device's config space. Default: ${DEFAULT-VALUE}.")
    String mac;

    @Option(names = "--mtu", defaultValue = "1500", paramLabel = "BYTES", description = "Largest MTU offered. Default: ${DEFAULT-VALUE}.")
    int mtu;

    @Option(names = "--queue-size", defaultValue = "1024", paramLabel = "N",
            description = "Largest queue size accepted. Default: ${DEFAULT-VALUE}.")
    int queueSize;

    @Option(names = "--name", defaultValue = "net0", description = "Device name in logs and thread names.")
    String name;

    @Override
    public Integer call() throws Exception {
        NetOptions options;
        try {
            options = new NetOptions(name, queues, queueSize, MacAddress.parse(mac), mtu);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        TapPort port;
        try {
            port = TapPort.open(tap, queues);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (LinuxException e) {
            throw new UserError("cannot open the tap interface " + tap + " (it needs root or CAP_NET_ADMIN): "
                    + e.getMessage(), e);
        }
        try (port) {
            NetDevice device = new NetDevice(options, port);
            VhostUserBackend backend;
            try {
                backend = new VhostUserBackend(device, socket, queues, null);
            } catch (LinuxException e) {
                throw new UserError("cannot listen on " + socket + ": " + e.getMessage(), e);
            }
            ShutdownSignal signal = new ShutdownSignal();
            try (backend) {
                backend.start();
                System.out.printf("jvirtio: serving virtio-net on tap %s (%d queue pair(s)) on %s%n", port.name(), queues, socket);
                System.out.println();
                System.out.println("QEMU:");
                System.out.println(AttachSnippets.qemuNet(socket.toAbsolutePath(), queues, mac, 0));
                System.out.println(AttachSnippets.NET_TCG_NOTE);
                System.out.println();
                System.out.println("libvirt:");
                System.out.println(AttachSnippets.libvirtNet(socket.toAbsolutePath(), queues, mac));
                System.out.println();
                System.out.flush();
                String got = signal.await();
                System.out.println("jvirtio: " + got + ", stopping");
            }
            System.out.println("jvirtio: served " + device.summary());
        }
        return 0;
    }
}
