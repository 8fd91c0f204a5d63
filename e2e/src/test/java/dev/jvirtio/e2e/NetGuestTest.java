package dev.jvirtio.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvirtio.guest.GuestFile;
import dev.jvirtio.guest.GuestMachine;
import dev.jvirtio.guest.GuestRun;
import dev.jvirtio.net.MacAddress;
import dev.jvirtio.net.NetDevice;
import dev.jvirtio.net.NetOptions;
import dev.jvirtio.net.NetQueueCounters;
import dev.jvirtio.net.port.Switch;
import dev.jvirtio.net.port.SwitchPort;
import dev.jvirtio.vhost.backend.VhostUserBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Linux guests' own virtio_net drivers on jvirtio's virtio-net device over vhost-user: two
 * guests on the in-process switch, and a guest and the host over a tap in a network namespace the
 * test creates and deletes. Only documentation addresses are used (198.51.100.0/24 on the switch,
 * 192.0.2.0/24 in the namespace), and no frame leaves the switch or the namespace.
 */
class NetGuestTest {

    private static final Duration GUEST_LIMIT = Duration.ofMinutes(5);
    private static final int SWITCH_MIB = 32;
    private static final int TAP_MIB = 64;
    private static final String RECEIVER_IP = "198.51.100.1";
    private static final String SENDER_IP = "198.51.100.2";
    private static final String HOST_IP = "192.0.2.1";
    private static final String GUEST_IP = "192.0.2.2";
    /** Waits for the peer with one-second pings, at most this many. */
    private static final int PING_TRIES = 120;

    @TempDir
    Path dir;

    // ---- two guests on the switch ----

    @Test
    void twoGuestsOnTheSwitchPingEachOtherAndMove32MiBWithSegmentationOffload(TestInfo test) throws Exception {
        SwitchRun run = runOnSwitch(test, 1, 1, 1, false);
        run.assertTransfersMatch();
        NetQueueCounters senderTx = run.sender.counters(1);
        NetQueueCounters receiverRx = run.receiver.counters(0);
        assertThat(run.senderRun.marker("tso")).as("the sender's TSO state").hasValueSatisfying(v -> assertThat(v).endsWith("on"));
        assertThat(senderTx.segmentationOffloadFrames()).as("TSO frames the sender's driver sent: " + senderTx).isPositive();
        assertThat(receiverRx.segmentationOffloadFrames()).as("TSO frames the receiver's driver took: " + receiverRx).isPositive();
        assertThat(receiverRx.drops()).as("receive drops: " + receiverRx).isZero();
        assertThat(senderTx.drops()).as("transmit drops: " + senderTx).isZero();
    }

    @Test
    void twoGuestsOnTheSwitchMove32MiBWithTsoAndGsoOff(TestInfo test) throws Exception {
        SwitchRun run = runOnSwitch(test, 1, 1, 1, true);
        run.assertTransfersMatch();
        NetQueueCounters senderTx = run.sender.counters(1);
        assertThat(run.senderRun.marker("tso")).as("the sender's TSO state").hasValueSatisfying(v -> assertThat(v).endsWith("off"));
        assertThat(senderTx.frames()).as("frames sent: " + senderTx).isGreaterThan((long) SWITCH_MIB * (1 << 20) / 1500);
        assertThat(senderTx.segmentationOffloadFrames()).as("no TSO frame with TSO off: " + senderTx).isZero();
        assertThat(run.receiver.counters(0).segmentationOffloadFrames()).isZero();
    }

    @Test
    void twoQueuePairsOnTwoCpusCarryTwoFlows(TestInfo test) throws Exception {
        SwitchRun run = runOnSwitch(test, 2, 2, 2, false);
        run.assertTransfersMatch();
        assertThat(run.senderRun.marker("queues")).as("the sender's transmit queues").contains("2");
        for (int pair = 0; pair < 2; pair++) {
            assertThat(run.sender.counters(2 * pair + 1).frames()).as("frames the sender sent on transmit queue of pair " + pair)
                    .isPositive();
        }
        long received = run.receiver.counters(0).frames() + run.receiver.counters(2).frames();
        assertThat(received).isPositive();
    }

    private record SwitchRun(NetDevice receiver, NetDevice sender, GuestRun receiverRun, GuestRun senderRun, int flows) {
        void assertTransfersMatch() {
            assertThat(senderRun.succeeded()).as("sender: " + senderRun.describe()).isTrue();
            assertThat(receiverRun.succeeded()).as("receiver: " + receiverRun.describe()).isTrue();
            assertThat(senderRun.marker("ping")).as(senderRun.describe()).contains("ok");
            for (int f = 0; f < flows; f++) {
                String sent = senderRun.marker("md5-" + f).orElseThrow();
                assertThat(sent).matches("[0-9a-f]{32}");
                assertThat(receiverRun.marker("md5-" + f)).as("flow " + f + " checksum at the receiver").contains(sent);
                assertThat(receiverRun.marker("size-" + f)).as("flow " + f + " bytes at the receiver")
                        .contains(Long.toString((long) SWITCH_MIB * (1 << 20) / flows));
            }
        }
    }

    private SwitchRun runOnSwitch(TestInfo test, int pairs, int cpus, int flows, boolean offloadsOff) throws Exception {
        GuestRequirements.qemu();
        List<GuestFile> ethtool = GuestTools.ethtool();
        String ethtoolOff = offloadsOff ? "ethtool -K eth0 tso off gso off\n" : "";
        StringBuilder receiver = new StringBuilder("""
                set -e
                ip link set lo up
                ip addr add %s/24 dev eth0
                """.formatted(RECEIVER_IP)).append(ethtoolOff);
        StringBuilder sender = new StringBuilder("""
                set -e
                ip link set lo up
                ip addr add %s/24 dev eth0
                """.formatted(SENDER_IP)).append(ethtoolOff);
        long flowBytes = (long) SWITCH_MIB * (1 << 20) / flows;
        for (int f = 0; f < flows; f++) {
            // nc stops when its input ends: the console never ends, so the receiver reads to the sender's end.
            receiver.append("nc -l -p %d < /dev/console > /tmp/in%d &%nPID%d=$!%n".formatted(5000 + f, f, f));
            sender.append("dd if=/dev/urandom of=/tmp/out%d bs=65536 count=%d 2>/dev/null%n".formatted(f, flowBytes / 65536));
            sender.append("mark md5-%1$d \"$(md5sum < /tmp/out%1$d | cut -d ' ' -f 1)\"%n".formatted(f));
        }
        // The receiver's link comes up only once it listens: a reply to ping means it is ready.
        receiver.append("ip link set eth0 up\n");
        for (int f = 0; f < flows; f++) {
            receiver.append("wait $PID%d%n".formatted(f));
            receiver.append("mark md5-%1$d \"$(md5sum < /tmp/in%1$d | cut -d ' ' -f 1)\"%n".formatted(f));
            receiver.append("mark size-%1$d \"$(wc -c < /tmp/in%1$d)\"%n".formatted(f));
        }
        sender.append("""
                ip link set eth0 up
                mark queues "$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)"
                mark tso "$(ethtool -k eth0 | grep '^tcp-segmentation-offload:')"
                tries=0
                until ping -c 1 -W 1 %s >/dev/null 2>&1; do
                  tries=$((tries + 1))
                  if [ $tries -ge %d ]; then mark ping failed; exit 1; fi
                done
                mark ping ok
                """.formatted(RECEIVER_IP, PING_TRIES));
        for (int f = 0; f < flows; f++) {
            String pin = flows > 1 ? "taskset " + (1 << f) + " " : "";
            sender.append("%snc %s %d < /tmp/out%d > /dev/null &%nPID%d=$!%n".formatted(pin, RECEIVER_IP, 5000 + f, f, f));
        }
        for (int f = 0; f < flows; f++) {
            sender.append("wait $PID%d%n".formatted(f));
        }
        sender.append("mark sent yes\n");

        Switch fabric = new Switch();
        SwitchPort a = fabric.addPort("receiver", pairs);
        SwitchPort b = fabric.addPort("sender", pairs);
        NetDevice rxDevice = new NetDevice(NetOptions.of("net-a", pairs, MacAddress.parse("52:54:00:00:00:01")), a);
        NetDevice txDevice = new NetDevice(NetOptions.of("net-b", pairs, MacAddress.parse("52:54:00:00:00:02")), b);
        Path receiverSocket = dir.resolve("a.sock");
        Path senderSocket = dir.resolve("b.sock");
        try (fabric; a; b;
             VhostUserBackend ra = new VhostUserBackend(rxDevice, receiverSocket, pairs, null).start();
             VhostUserBackend sb = new VhostUserBackend(txDevice, senderSocket, pairs, null).start()) {
            GuestMachine receiverMachine = machine(test, "receiver", receiver.toString(), ethtool, receiverSocket, pairs,
                    "52:54:00:00:00:01", cpus);
            GuestMachine senderMachine = machine(test, "sender", sender.toString(), ethtool, senderSocket, pairs,
                    "52:54:00:00:00:02", cpus);
            CompletableFuture<GuestRun> receiverRun = GuestTools.runAsync(receiverMachine);
            CompletableFuture<GuestRun> senderRun = GuestTools.runAsync(senderMachine);
            return new SwitchRun(rxDevice, txDevice, receiverRun.get(), senderRun.get(), flows);
        }
    }

    private GuestMachine machine(TestInfo test, String role, String script, List<GuestFile> files, Path socket,
                                 int pairs, String mac, int cpus) throws Exception {
        return ScenarioGuest.builder(test, role, script, files)
                .cpus(cpus)
                .vhostUserNet(socket, pairs, mac)
                .timeout(GUEST_LIMIT)
                .build();
    }

    // ---- a guest and the host over a tap in a network namespace ----

    /**
     * The guest's script up to its send: its address and link, {@code afterLinkUp}, pings until the
     * host answers, then {@code mib} MiB of random bytes to the host's port 5001, their md5 marked.
     */
    private static String guestSendsToHost(String afterLinkUp, int mib) {
        return """
                set -e
                ip link set lo up
                ip addr add %1$s/24 dev eth0
                ip link set eth0 up
                %5$stries=0
                until ping -c 1 -W 1 %2$s >/dev/null 2>&1; do
                  tries=$((tries + 1))
                  if [ $tries -ge %3$d ]; then mark ping failed; exit 1; fi
                done
                mark ping "$(ping -c 3 %2$s | grep -o '[0-9]* packets received')"
                dd if=/dev/urandom of=/tmp/out bs=65536 count=%4$d 2>/dev/null
                mark out-md5 "$(md5sum < /tmp/out | cut -d ' ' -f 1)"
                nc %2$s 5001 < /tmp/out > /dev/null
                mark sent yes
                """.formatted(GUEST_IP, HOST_IP, PING_TRIES, (mib << 20) / 65536, afterLinkUp);
    }

    /** The host's end of the tap in the namespace: loopback up, {@link #HOST_IP} on the tap, the tap up. */
    private static void hostEndUp(TestNamespace ns, String tapName) throws Exception {
        ns.run("ip", "link", "set", "lo", "up");
        ns.run("ip", "addr", "add", HOST_IP + "/24", "dev", tapName);
        ns.run("ip", "link", "set", tapName, "up");
    }

    @Test
    void guestAndHostOverATapInANamespacePingAndMove64MiBEachWay(TestInfo test) throws Exception {
        Map<String, Long> counters = overTap(test, 1, 1, TAP_MIB);
        assertThat(counters.get("tx-gso")).as("TSO frames the guest sent through the tap, unsegmented").isPositive();
        assertThat(counters.get("rx-gso")).as("GSO frames the host sent to the guest, unsegmented").isPositive();
    }

    @Test
    void twoQueuePairsOnAMultiQueueTapWithTwoCpus(TestInfo test) throws Exception {
        overTap(test, 2, 2, 16);
    }

    /** Ping, then {@code mib} MiB each way between the guest and the host over a tap in a namespace. */
    private Map<String, Long> overTap(TestInfo test, int pairs, int cpus, int mib) throws Exception {
        GuestRequirements.qemu();
        GuestRequirements.program("ip", "iproute2");
        GuestRequirements.program("busybox", "busybox-static");
        byte[] hostData = new byte[mib << 20];
        new Random(8).nextBytes(hostData);
        Path hostOut = dir.resolve("host-out.bin");
        Path hostIn = dir.resolve("host-in.bin");
        Files.write(hostOut, hostData);
        String guestScript = guestSendsToHost("mark queues \"$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)\"\n", mib)
                + """
                nc %1$s 5002 < /dev/console > /tmp/in
                mark in-md5 "$(md5sum < /tmp/in | cut -d ' ' -f 1)"
                mark in-size "$(wc -c < /tmp/in)"
                """.formatted(HOST_IP);
        Path socket = dir.resolve("tap.sock");
        String tapName = "jvtap0";
        try (TestNamespace ns = TestNamespace.create("jvirtio-e2e-" + ProcessHandle.current().pid());
             TapBackendProcess backend = TapBackendProcess.start(ns, socket, tapName, pairs, dir.resolve("backend.log"))) {
            hostEndUp(ns, tapName);
            // The host receives first (its input stays open, so it reads to the guest's end), then sends.
            Process receiver = ns.start(List.of("busybox", "nc", "-l", "-p", "5001"), null, hostIn);
            Process sender = ns.start(List.of("busybox", "nc", "-l", "-p", "5002"), hostOut, dir.resolve("sender-out.bin"));
            GuestRun run;
            try {
                run = machine(test, "guest", guestScript, List.of(), socket, pairs, "52:54:00:00:01:02", cpus).run();
            } finally {
                GuestTools.stop(receiver);
                GuestTools.stop(sender);
            }
            Map<String, Long> counters = backend.finish();
            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("queues")).as("the guest's transmit queues").contains(Integer.toString(pairs));
            assertThat(run.marker("ping")).as("pings the host answered").contains("3 packets received");
            assertThat(Files.size(hostIn)).as("bytes the host received").isEqualTo((long) mib << 20);
            assertThat(Digests.md5(Files.readAllBytes(hostIn))).as("guest to host").isEqualTo(run.marker("out-md5").orElseThrow());
            assertThat(run.marker("in-size")).contains(Long.toString((long) mib << 20));
            assertThat(run.marker("in-md5")).as("host to guest").contains(Digests.md5(hostData));
            assertThat(counters.get("rx-frames")).as("frames the guest received through the tap").isPositive();
            assertThat(counters.get("tx-frames")).as("frames the guest sent through the tap").isPositive();
            return counters;
        }
    }

    @Test
    void aGuestOnTheSwitchReachesTheHostThroughTheTapUplink(TestInfo test) throws Exception {
        GuestRequirements.qemu();
        GuestRequirements.program("ip", "iproute2");
        GuestRequirements.program("busybox", "busybox-static");
        int mib = 16;
        String guestScript = guestSendsToHost("", mib);
        Path socket = dir.resolve("uplink.sock");
        Path hostIn = dir.resolve("host-in.bin");
        String tapName = "jvup0";
        try (TestNamespace ns = TestNamespace.create("jvirtio-e2e-up-" + ProcessHandle.current().pid());
             TapBackendProcess backend = TapBackendProcess.start(ns, socket, tapName, 1, true, dir.resolve("backend.log"))) {
            hostEndUp(ns, tapName);
            Process receiver = ns.start(List.of("busybox", "nc", "-l", "-p", "5001"), null, hostIn);
            GuestRun run;
            try {
                run = machine(test, "guest", guestScript, List.of(), socket, 1, "52:54:00:00:01:02", 1).run();
            } finally {
                GuestTools.stop(receiver);
            }
            Map<String, Long> counters = backend.finish();
            assertThat(run.succeeded()).as(run.describe()).isTrue();
            assertThat(run.marker("ping")).as("pings the host answered").contains("3 packets received");
            assertThat(Files.size(hostIn)).as("bytes the host received").isEqualTo((long) mib << 20);
            assertThat(Digests.md5(Files.readAllBytes(hostIn))).isEqualTo(run.marker("out-md5").orElseThrow());
            assertThat(counters.get("rx-frames")).as("frames from the host through the uplink").isPositive();
        }
    }
}
