package dev.jvirtio.tune.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One network interface from {@code /sys/class/net}.
 *
 * @param name          the interface name
 * @param driver        the driver bound to {@code device} ({@code virtio_net}, {@code e1000e},
 *                      {@code ixgbe}); "" for purely virtual interfaces (lo, tap, bridge)
 * @param tunFlags      {@code tun_flags} of a tun/tap interface (hex text); empty otherwise
 * @param bridge        true when the interface is a bridge
 * @param sriovNumVfs   {@code device/sriov_numvfs}: virtual functions enabled
 * @param sriovTotalVfs {@code device/sriov_totalvfs}: virtual functions the device can provide
 * @param offloads      the offload features and their state ({@code tcp-segmentation-offload} to
 *                      {@code on}, or {@code off [fixed]} when the driver cannot change it), empty
 *                      when unknown
 * @param offloadSource where the offloads came from ({@code ethtool -k eth0} or a captured file),
 *                      "" when unknown
 */
public record NetDevice(String name, String driver, Optional<String> tunFlags, boolean bridge,
                        OptionalLong sriovNumVfs, OptionalLong sriovTotalVfs, Map<String, String> offloads,
                        String offloadSource) {

    /** {@code IFF_TAP} in {@code tun_flags}: a tap (Ethernet) rather than a tun (IP) device. */
    private static final int IFF_TAP = 0x0002;

    public NetDevice {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(offloadSource, "offloadSource");
        offloads = Map.copyOf(offloads);
    }

    /** True for a tap interface (a tun device in Ethernet mode). */
    public boolean tap() {
        if (tunFlags.isEmpty()) {
            return false;
        }
        String hex = tunFlags.get().startsWith("0x") ? tunFlags.get().substring(2) : tunFlags.get();
        try {
            return (Integer.parseInt(hex, 16) & IFF_TAP) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** True when the interface is a physical function that can provide SR-IOV virtual functions. */
    public boolean sriovCapable() {
        return sriovTotalVfs.orElse(0) > 0;
    }

    /** The state of an offload feature ({@code on}, {@code off}, {@code off [fixed]}), if known. */
    public Optional<String> offload(String feature) {
        return Optional.ofNullable(offloads.get(feature));
    }

    static List<NetDevice> readAll(FactRoot root) {
        List<NetDevice> devices = new ArrayList<>();
        Optional<Path> ethtool = root.isLive() ? ethtool() : Optional.empty();
        for (String name : root.list("/sys/class/net")) {
            String dir = "/sys/class/net/" + name;
            if (!root.isDirectory(dir)) {
                continue; // bonding_masters and other files
            }
            Map<String, String> offloads = Map.of();
            String source = "";
            if (!name.equals("lo")) {
                String captured = "/ethtool/" + name + ".txt";
                Optional<String> output = ethtool.isPresent() ? runEthtool(root, ethtool.get(), name)
                        : root.read(captured);
                if (output.isPresent()) {
                    offloads = parseOffloads(output.get());
                    source = ethtool.isPresent() ? "ethtool -k " + name : captured;
                }
            }
            devices.add(new NetDevice(name, root.readLinkName(dir + "/device/driver").orElse(""),
                    root.readLine(dir + "/tun_flags"), root.isDirectory(dir + "/bridge"),
                    root.readLong(dir + "/device/sriov_numvfs"), root.readLong(dir + "/device/sriov_totalvfs"),
                    offloads, source));
        }
        return devices;
    }

    /**
     * Parses {@code ethtool -k} output: {@code "tcp-segmentation-offload: on"} lines. A feature the
     * driver cannot change keeps its {@code " [fixed]"} note ({@code "off [fixed]"}); other notes
     * such as {@code [requested on]} are dropped.
     */
    static Map<String, String> parseOffloads(String output) {
        Map<String, String> features = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0 || line.startsWith("Features for")) {
                continue;
            }
            String feature = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            boolean fixed = value.contains("[fixed]");
            int space = value.indexOf(' ');
            if (space > 0) {
                value = value.substring(0, space);
            }
            if (!feature.isEmpty() && (value.equals("on") || value.equals("off"))) {
                features.put(feature, fixed ? value + " [fixed]" : value);
            }
        }
        return features;
    }

    private static Optional<Path> ethtool() {
        List<String> dirs = new ArrayList<>(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        return dirs.stream().map(dir -> Path.of(dir.isEmpty() ? "." : dir, "ethtool")).filter(Files::isExecutable)
                .findFirst();
    }

    /** Runs {@code ethtool -k NAME} and keeps its output as {@code /ethtool/NAME.txt} for a capture. */
    private static Optional<String> runEthtool(FactRoot root, Path ethtool, String name) {
        try {
            Process process = new ProcessBuilder(ethtool.toString(), "-k", name).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readNBytes(256 * 1024);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                root.problem("ethtool -k " + name + ": no answer within 10 s");
                return Optional.empty();
            }
            if (process.exitValue() != 0) {
                return Optional.empty(); // Interfaces without ethtool support (some virtual ones).
            }
            root.keep("/ethtool/" + name + ".txt", output);
            return Optional.of(new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            root.problem("ethtool -k " + name + ": " + e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
