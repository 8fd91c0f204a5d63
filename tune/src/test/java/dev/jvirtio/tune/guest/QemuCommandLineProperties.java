package dev.jvirtio.tune.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class QemuCommandLineProperties {

    @Provide
    Arbitrary<List<String>> commandLines() {
        Arbitrary<String> option = Arbitraries.of("-drive", "-device", "-blockdev", "-netdev", "-net", "-nic", "-m",
                "-smp", "-object", "-numa", "-machine", "-name", "-chardev", "-balloon", "-hda", "-mem-path",
                "-overcommit", "-nodefaults", "-enable-kvm", "-cdrom");
        Arbitrary<String> fragment = Arbitraries.of("file=", "if=", "virtio", "none", "id=a", "drive=a", "netdev=a",
                "node-name=a", "driver=qcow2", "file=a", "file.driver=file", ",,", ",", "=", "{", "}", "\"", ":",
                "tap", "queues=", "-1", "99999999999999999999", "memory-backend-file", "mem-path=/huge", "share=on",
                "memdev=a", "host=", "vfio-pci", "virtio-blk-pci", "scsi-hd", "bus=a.0", "iothread=a", "4G", "size=",
                "{\"driver\":\"file\"}", "[1]", "cache.direct=on", "write-cache=off", "mq=on", "type=tap");
        Arbitrary<String> value = fragment.list().ofMaxSize(6).map(l -> String.join("", l));
        return Arbitraries.oneOf(option, value).list().ofMaxSize(30);
    }

    @Property(tries = 500)
    void anyCommandLineGivesAGuestAndNeverThrows(@ForAll("commandLines") List<String> words) {
        List<String> argv = new ArrayList<>();
        argv.add("qemu-system-x86_64");
        argv.addAll(words);
        Guest g = QemuCommandLineParser.parse(argv, "pid 7");
        assertThat(g.vcpus()).isPositive();
        assertThat(g.memoryKiB()).isNotNegative();
    }
}
