package dev.jvirtio.tune.host;

/**
 * Which of the device nodes that virtual machines need exist.
 *
 * @param tun      {@code /dev/net/tun}: tap interfaces
 * @param vhostNet {@code /dev/vhost-net}: the in-kernel virtio-net data path
 * @param kvm      {@code /dev/kvm}: hardware virtualization
 * @param vfio     {@code /dev/vfio/vfio}: device assignment
 */
public record DeviceNodes(boolean tun, boolean vhostNet, boolean kvm, boolean vfio) {

    static DeviceNodes read(FactRoot root) {
        return new DeviceNodes(root.exists("/dev/net/tun"), root.exists("/dev/vhost-net"), root.exists("/dev/kvm"),
                root.exists("/dev/vfio/vfio"));
    }
}
