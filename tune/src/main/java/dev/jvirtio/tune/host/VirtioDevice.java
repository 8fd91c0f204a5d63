package dev.jvirtio.tune.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A virtio device seen by a guest's kernel, from {@code /sys/bus/virtio/devices/virtioN}.
 *
 * @param name     {@code virtio0}, ...
 * @param deviceId the virtio device ID (VIRTIO 1.2, 5 "Device Types": 1 network, 2 block,
 *                 5 balloon, 8 SCSI host), -1 when unreadable
 * @param driver   the bound driver ({@code virtio_balloon}), "" when none is bound
 */
public record VirtioDevice(String name, int deviceId, String driver) {

    /** VIRTIO 1.2, 5: device ID of the traditional memory balloon. */
    public static final int BALLOON = 5;

    public VirtioDevice {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
    }

    static List<VirtioDevice> readAll(FactRoot root) {
        List<VirtioDevice> devices = new ArrayList<>();
        for (String name : root.list("/sys/bus/virtio/devices")) {
            String dir = "/sys/bus/virtio/devices/" + name;
            String id = root.readLine(dir + "/device").orElse("");
            int deviceId = -1;
            try {
                deviceId = id.startsWith("0x") ? Integer.parseInt(id.substring(2), 16) : Integer.parseInt(id);
            } catch (NumberFormatException e) {
                if (!id.isEmpty()) {
                    root.problem(dir + "/device: expected a device ID, found '" + id + "'");
                }
            }
            devices.add(new VirtioDevice(name, deviceId, root.readLinkName(dir + "/driver").orElse("")));
        }
        return devices;
    }
}
