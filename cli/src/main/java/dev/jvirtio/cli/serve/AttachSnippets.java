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
}
