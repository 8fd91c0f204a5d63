package dev.jvirtio.tune.rules.host;

/** Small libvirt domain XMLs for rule scenarios. */
final class DomainXml {

    private DomainXml() {
    }

    /**
     * A guest with one virtio disk; {@code extra} goes right after {@code <vcpu>} (cputune, numatune,
     * memoryBacking) and {@code devices} inside {@code <devices>}.
     */
    static String guest(String name, int vcpus, int memoryGiB, String extra, String devices) {
        return """
                <domain type='kvm'>
                  <name>%s</name>
                  <memory unit='GiB'>%d</memory>
                  <vcpu placement='static'>%d</vcpu>
                %s
                  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
                  <devices>
                    <disk type='block' device='disk'>
                      <driver name='qemu' type='raw' cache='none' io='native'/>
                      <source dev='/dev/vg0/%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                %s
                    <memballoon model='virtio'/>
                  </devices>
                </domain>
                """.formatted(name, memoryGiB, vcpus, extra, name, devices);
    }

    /** {@code <cputune>} pinning vCPU i to {@code cpusets[i]}. */
    static String pins(String... cpusets) {
        StringBuilder xml = new StringBuilder("  <cputune>\n");
        for (int i = 0; i < cpusets.length; i++) {
            xml.append("    <vcpupin vcpu='").append(i).append("' cpuset='").append(cpusets[i]).append("'/>\n");
        }
        return xml.append("  </cputune>\n").toString();
    }

    /** {@code <numatune>} binding memory strictly to {@code nodeset}. */
    static String numatune(String nodeset) {
        return "  <numatune>\n    <memory mode='strict' nodeset='" + nodeset + "'/>\n  </numatune>\n";
    }
}
