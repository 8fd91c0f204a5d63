package dev.jvirtio.cli.serve;

import picocli.CommandLine.Command;

/** {@code jvirtio serve}: run a vhost-user back-end. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a virtio device to QEMU/KVM guests over vhost-user.",
        subcommands = {ServeBlkCommand.class, ServeNetCommand.class, ServeSwitchCommand.class})
public final class ServeCommand {
}
