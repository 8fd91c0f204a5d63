package dev.jvirtio.guest;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** A virtio device of a {@link GuestMachine}, and the QEMU arguments that create it. */
sealed interface GuestDevice {
    /** The arguments for this device; {@code index} makes its QEMU ids unique. */
    List<String> qemuArguments(int index);

    /** A vhost-user-blk disk served by the back-end listening on {@code socket}. */
    record VhostUserBlk(Path socket, int queues) implements GuestDevice {
        public VhostUserBlk {
            checkQueues(queues, "vhost-user-blk disk " + socket);
        }

        @Override
        public List<String> qemuArguments(int index) {
            String chardev = "blk" + index;
            return List.of(
                    "-chardev", "socket,id=" + chardev + ",path=" + escape(socket.toString()),
                    "-device", "vhost-user-blk-pci,chardev=" + chardev + ",num-queues=" + queues);
        }
    }

    /** QEMU's own virtio-blk over a raw host file, for comparison with vhost-user disks. */
    record FileBlk(Path file, int queues, Optional<String> serial) implements GuestDevice {
        public FileBlk {
            checkQueues(queues, "virtio-blk disk " + file);
            serial.ifPresent(s -> {
                if (!SERIAL.matcher(s).matches()) {
                    throw new IllegalArgumentException("disk serial '" + s
                            + "' must be 1 to 20 letters, digits or - _ .");
                }
            });
        }

        @Override
        public List<String> qemuArguments(int index) {
            String file = "file" + index;
            String disk = "disk" + index;
            return List.of(
                    "-blockdev", "driver=file,node-name=" + file + ",filename=" + escape(this.file.toString()),
                    "-blockdev", "driver=raw,node-name=" + disk + ",file=" + file,
                    "-device", "virtio-blk-pci,drive=" + disk + ",num-queues=" + queues
                            + serial.map(s -> ",serial=" + s).orElse(""));
        }
    }

    /** A virtio-net NIC whose back-end is a vhost-user server listening on {@code socket}. */
    record VhostUserNet(Path socket, int queues, String mac) implements GuestDevice {
        public VhostUserNet {
            checkQueues(queues, "vhost-user-net NIC " + socket);
            checkMac(mac);
        }

        @Override
        public List<String> qemuArguments(int index) {
            String chardev = "net" + index;
            String netdev = "nic" + index;
            // vectors=0 (INTx): QEMU 7.2 without KVM crashes (SIGSEGV in vhost_net_start, unmasking
            // MSI-X vectors) when a vhost-user NIC starts with MSI-X, whatever the back-end.
            String device = "virtio-net-pci,netdev=" + netdev + ",mac=" + mac + ",vectors=0";
            if (queues > 1) {
                device += ",mq=on";
            }
            return List.of(
                    "-chardev", "socket,id=" + chardev + ",path=" + escape(socket.toString()),
                    "-netdev", "vhost-user,id=" + netdev + ",chardev=" + chardev + ",queues=" + queues,
                    "-device", device);
        }
    }

    /** A virtio-net NIC on an existing tap interface, served by QEMU itself. */
    record TapNic(String interfaceName, String mac) implements GuestDevice {
        public TapNic {
            if (!INTERFACE.matcher(interfaceName).matches()) {
                throw new IllegalArgumentException("tap interface name '" + interfaceName
                        + "' must be 1 to 15 letters, digits or - _ .");
            }
            checkMac(mac);
        }

        @Override
        public List<String> qemuArguments(int index) {
            String netdev = "nic" + index;
            return List.of(
                    "-netdev", "tap,id=" + netdev + ",ifname=" + interfaceName + ",script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=" + netdev + ",mac=" + mac);
        }
    }

    Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    Pattern SERIAL = Pattern.compile("[A-Za-z0-9_.-]{1,20}");

    /** A device needs a queue; QEMU allows at most 1024 virtqueues a device (VIRTIO_QUEUE_MAX). */
    private static void checkQueues(int queues, String device) {
        if (queues < 1 || queues > 1024) {
            throw new IllegalArgumentException(device + ": queues=" + queues + " is not between 1 and 1024");
        }
    }

    /** A NIC's address must be a unicast MAC: the group bit (bit 0 of the first octet) clear. */
    private static void checkMac(String mac) {
        if (!MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("MAC address '" + mac + "' is not six hex octets joined by ':'");
        }
        if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
            throw new IllegalArgumentException("MAC address " + mac + " is a multicast address; a NIC needs a unicast one");
        }
    }

    /** QEMU option values double a comma to keep it literal. */
    static String escape(String value) {
        return value.replace(",", ",,");
    }
}
