package dev.jvirtio.cli.serve;

import java.nio.file.Path;

/** The QEMU arguments and libvirt XML that attach a jvirtio vhost-user device to a guest. */
final class AttachSnippets {

    private AttachSnippets() {
    }

    static String qemuBlk(Path socket, int queues) {
        return """
                -object memory-backend-memfd,id=mem,size=<guest RAM, e.g. 2G>,share=on -numa node,memdev=mem \\
                -chardev socket,id=jvirtio0,path=%s \\
                -device vhost-user-blk-pci,chardev=jvirtio0,num-queues=%d""".formatted(socket, queues);
    }

    static String libvirtBlk(Path socket, int queues) {
        return """
                <!-- in <domain>: guest memory must be shared with the back-end -->
                <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
                <!-- in <devices>: -->
                <disk type='vhostuser' device='disk'>
                  <driver name='qemu' type='raw' queues='%d'/>
                  <source type='unix' path='%s'><reconnect enabled='yes' timeout='10'/></source>
                  <target dev='vdb' bus='virtio'/>
                </disk>""".formatted(queues, socket);
    }

    static String qemuNet(Path socket, int queues, String mac, int index) {
        String id = "jvnet" + index;
        return """
                -object memory-backend-memfd,id=mem,size=<guest RAM, e.g. 2G>,share=on -numa node,memdev=mem \\
                -chardev socket,id=%1$s,path=%2$s \\
                -netdev vhost-user,id=%1$s,chardev=%1$s,queues=%3$d \\
                -device virtio-net-pci,netdev=%1$s,mac=%4$s%5$s""".formatted(id, socket, queues, mac,
                queues > 1 ? ",mq=on" : "");
    }

    static String libvirtNet(Path socket, int queues, String mac) {
        return """
                <!-- in <domain>: guest memory must be shared with the back-end -->
                <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
                <!-- in <devices>: -->
                <interface type='vhostuser'>
                  <mac address='%s'/>
                  <source type='unix' path='%s' mode='client'/>
                  <model type='virtio'/>
                  <driver queues='%d'/>
                </interface>""".formatted(mac, socket, queues);
    }

    /** A note for QEMU 7.2 guests without KVM, where MSI-X on a vhost-user NIC crashes QEMU. */
    static final String NET_TCG_NOTE =
            "# QEMU 7.2 without KVM: add vectors=0 to -device (its MSI-X set-up for vhost-user NICs crashes)";
}
