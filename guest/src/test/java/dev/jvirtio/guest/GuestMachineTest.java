package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QEMU command a machine runs, and the settings it refuses. */
class GuestMachineTest {
    @TempDir
    Path temporary;

    private GuestKernel kernel;
    private Path initramfs;

    @BeforeEach
    void aKernelAndAnImage() throws IOException {
        kernel = GuestKernel.at(new KernelCacheFolder(temporary.resolve("guest")).module("virtio", "m").write());
        initramfs = Files.writeString(temporary.resolve("initramfs.cpio"), "image");
    }

    @Test
    void theMachineIsAQ35WithSharedMemoryTheSerialConsoleOnStdioAndNoDefaults() {
        int memory = 768;
        int cpus = 3;
        List<String> command = GuestMachine.builder(kernel, initramfs).memoryMiB(memory).cpus(cpus)
                .accelerator(Accelerator.TCG).build().commandLine();

        assertThat(command.getFirst()).isEqualTo("qemu-system-x86_64");
        assertThat(valueOf(command, "-machine")).isEqualTo("q35");
        assertThat(valueOf(command, "-accel")).isEqualTo("tcg");
        assertThat(valueOf(command, "-cpu")).isEqualTo("max");
        assertThat(valueOf(command, "-m")).isEqualTo(Integer.toString(memory));
        assertThat(valueOf(command, "-smp")).isEqualTo(Integer.toString(cpus));
        assertThat(valueOf(command, "-serial")).isEqualTo("stdio");
        assertThat(valueOf(command, "-display")).isEqualTo("none");
        assertThat(command).contains("-nodefaults", "-no-reboot");
        assertThat(valueOf(command, "-kernel")).isEqualTo(kernel.vmlinuz().toString());
        assertThat(valueOf(command, "-initrd")).isEqualTo(initramfs.toAbsolutePath().toString());
        assertThat(valueOf(command, "-object"))
                .isEqualTo("memory-backend-memfd,id=mem,size=" + memory + "M,share=on");
        assertThat(valueOf(command, "-numa")).isEqualTo("node,memdev=mem");
        assertThat(valueOf(command, "-append").split(" "))
                .contains("console=ttyS0", "loglevel=4", "panic=-1", "rdinit=/init");
    }

    @Test
    void kernelArgumentsAreAppendedToTheBaseOnes() {
        GuestMachine machine = GuestMachine.builder(kernel, initramfs)
                .appendKernelArguments("virtio_blk.poll_queues=1").appendKernelArguments(" quiet ").build();

        assertThat(machine.kernelArguments())
                .isEqualTo(GuestMachine.BASE_KERNEL_ARGUMENTS + " virtio_blk.poll_queues=1 quiet");
        assertThat(valueOf(machine.commandLine(), "-append")).isEqualTo(machine.kernelArguments());
    }

    @Test
    void eachVhostUserDiskGetsItsOwnChardevWiredToItsDevice() {
        Path first = temporary.resolve("a.sock");
        Path second = temporary.resolve("b.sock");
        List<String> command = GuestMachine.builder(kernel, initramfs)
                .vhostUserBlk(first, 1).vhostUserBlk(second, 4).build().commandLine();

        List<String> chardevs = valuesOf(command, "-chardev");
        List<String> devices = valuesOf(command, "-device");
        assertThat(chardevs).hasSize(2);
        assertThat(devices).hasSize(2);
        String firstId = option(chardevs.get(0), "id");
        String secondId = option(chardevs.get(1), "id");
        assertThat(firstId).isNotEqualTo(secondId);
        assertThat(option(chardevs.get(0), "path")).isEqualTo(first.toString());
        assertThat(option(chardevs.get(1), "path")).isEqualTo(second.toString());
        assertThat(devices.get(0)).startsWith("vhost-user-blk-pci,");
        assertThat(option(devices.get(0), "chardev")).isEqualTo(firstId);
        assertThat(option(devices.get(0), "num-queues")).isEqualTo("1");
        assertThat(option(devices.get(1), "chardev")).isEqualTo(secondId);
        assertThat(option(devices.get(1), "num-queues")).isEqualTo("4");
    }

    @Test
    void nicsAndFileDisksAreWiredToTheirBackEndsInTheOrderAdded() {
        Path socket = temporary.resolve("net.sock");
        Path file = temporary.resolve("disk.raw");
        List<String> command = GuestMachine.builder(kernel, initramfs)
                .vhostUserNet(socket, 2, "52:54:00:00:00:01")
                .tapNic("tap0", "52:54:00:00:00:02")
                .virtioBlkFile(file, 2, "serial-1")
                .build().commandLine();

        List<String> netdevs = valuesOf(command, "-netdev");
        List<String> devices = valuesOf(command, "-device");
        assertThat(netdevs.get(0)).startsWith("vhost-user,");
        assertThat(option(netdevs.get(0), "queues")).isEqualTo("2");
        assertThat(option(valuesOf(command, "-chardev").get(0), "path")).isEqualTo(socket.toString());
        assertThat(option(netdevs.get(0), "chardev")).isEqualTo(option(valuesOf(command, "-chardev").get(0), "id"));
        assertThat(devices.get(0)).startsWith("virtio-net-pci,");
        assertThat(option(devices.get(0), "netdev")).isEqualTo(option(netdevs.get(0), "id"));
        assertThat(option(devices.get(0), "mac")).isEqualTo("52:54:00:00:00:01");
        assertThat(option(devices.get(0), "mq")).isEqualTo("on");
        assertThat(option(devices.get(0), "vectors")).as("INTx: QEMU 7.2 crashes starting a vhost-user NIC with MSI-X")
                .isEqualTo("0");
        assertThat(netdevs.get(1)).startsWith("tap,");
        assertThat(option(netdevs.get(1), "ifname")).isEqualTo("tap0");
        assertThat(option(netdevs.get(1), "script")).isEqualTo("no");
        assertThat(option(devices.get(1), "netdev")).isEqualTo(option(netdevs.get(1), "id"));
        assertThat(option(devices.get(1), "mac")).isEqualTo("52:54:00:00:00:02");
        List<String> blockdevs = valuesOf(command, "-blockdev");
        assertThat(option(blockdevs.get(0), "filename")).isEqualTo(file.toString());
        assertThat(option(blockdevs.get(1), "file")).isEqualTo(option(blockdevs.get(0), "node-name"));
        assertThat(devices.get(2)).startsWith("virtio-blk-pci,");
        assertThat(option(devices.get(2), "drive")).isEqualTo(option(blockdevs.get(1), "node-name"));
        assertThat(option(devices.get(2), "serial")).isEqualTo("serial-1");
        assertThat(option(devices.get(2), "num-queues")).isEqualTo("2");
    }

    @Test
    void aCommaInAPathIsDoubledSoQemuKeepsItLiteral() {
        Path socket = temporary.resolve("odd,name.sock");
        List<String> command = GuestMachine.builder(kernel, initramfs).vhostUserBlk(socket, 1).build().commandLine();

        assertThat(valuesOf(command, "-chardev").getFirst()).endsWith("path=" + socket.toString().replace(",", ",,"));
    }

    @Test
    void theShellCommandRunsAsTheSameWordsInAPosixShell() throws Exception {
        Path socket = temporary.resolve("it's a \"socket\" $HOME.sock");
        GuestMachine machine = GuestMachine.builder(kernel, initramfs).vhostUserBlk(socket, 1)
                .appendKernelArguments("a='b c'").commandPrefix(List.of("ip", "netns", "exec", "ns 1")).build();

        Process shell = new ProcessBuilder("sh", "-c", "printf '%s\\n' " + machine.shellCommand())
                .redirectErrorStream(true).start();
        String printed = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(printed.lines().toList()).isEqualTo(machine.commandLine());
        assertThat(machine.commandLine().subList(0, 5)).containsExactly("ip", "netns", "exec", "ns 1", "qemu-system-x86_64");
    }

    @Test
    void invalidSettingsAreRefusedWithTheValueNamed() {
        GuestMachine.Builder builder = GuestMachine.builder(kernel, initramfs);
        Path socket = temporary.resolve("s");

        assertThatThrownBy(() -> builder.vhostUserNet(socket, 1, "01:00:5e:00:00:01"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multicast");
        assertThatThrownBy(() -> builder.tapNic("tap0", "52:54:00:00:00"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("52:54:00:00:00");
        assertThatThrownBy(() -> builder.tapNic("tap0,script=/bin/evil", "52:54:00:00:00:01"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tap interface name");
        assertThatThrownBy(() -> builder.vhostUserBlk(socket, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queues=0");
        assertThatThrownBy(() -> builder.virtioBlkFile(socket, 1, "a,b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a,b");
        assertThatThrownBy(() -> builder.memoryMiB(16)).hasMessageContaining("16 MiB");
        assertThatThrownBy(() -> builder.cpus(0)).hasMessageContaining("0");
        assertThatThrownBy(() -> builder.timeout(Duration.ZERO)).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> builder.appendKernelArguments("a\nb")).hasMessageContaining("one line");
        assertThatThrownBy(() -> builder.appendKernelArguments("x".repeat(3000))).hasMessageContaining("2047");
        assertThatThrownBy(() -> GuestMachine.builder(kernel, temporary.resolve("none.cpio")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none.cpio");
    }

    @Test
    void aMissingQemuIsReportedWithThePackageToInstall() {
        GuestMachine machine = GuestMachine.builder(kernel, initramfs)
                .qemuBinary(temporary.resolve("no-such-qemu").toString()).build();

        assertThatThrownBy(machine::run).isInstanceOf(IOException.class)
                .hasMessageContaining("no-such-qemu").hasMessageContaining("qemu-system-x86");
    }

    private static String valueOf(List<String> command, String option) {
        List<String> values = valuesOf(command, option);
        assertThat(values).as(option).hasSize(1);
        return values.getFirst();
    }

    private static List<String> valuesOf(List<String> command, String option) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < command.size() - 1; i++) {
            if (command.get(i).equals(option)) {
                values.add(command.get(i + 1));
            }
        }
        return Collections.unmodifiableList(values);
    }

    /** The value of {@code key} in a QEMU option string, undoing doubled commas. */
    private static String option(String options, String key) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == ',' && i + 1 < options.length() && options.charAt(i + 1) == ',') {
                part.append(',');
                i++;
            } else if (c == ',') {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        return parts.stream().filter(p -> p.startsWith(key + "=")).map(p -> p.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no " + key + "= in " + options));
    }
}
