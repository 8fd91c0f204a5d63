package dev.jvirtio.cli.image;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code jvirtio image}: create, describe, check, convert and inspect disk image files (raw and
 * qcow2) for STO-IMAGE, STO-FORMAT and STO-ALIGN.
 */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = {"Create, describe, check and convert raw and qcow2 disk images, and find misaligned partitions"
                + " inside them."},
        subcommands = {ImageCreateCommand.class, ImageInfoCommand.class, ImageCheckCommand.class,
            ImageConvertCommand.class, ImageAlignCommand.class})
public final class ImageCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
