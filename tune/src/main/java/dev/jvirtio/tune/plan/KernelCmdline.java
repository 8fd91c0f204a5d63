package dev.jvirtio.tune.plan;

import java.util.Objects;

/**
 * A kernel command-line parameter to add, for what only takes effect at boot (such as huge pages
 * reserved before memory fragments). It is only suggested: apply prints it and never edits the
 * boot loader.
 *
 * @param rule       the practice ID it fixes
 * @param subject    {@code "host"}
 * @param parameters the parameters to add, space-separated ({@code hugepagesz=2M hugepages=0:4096})
 * @param why        one sentence on why it belongs on the command line
 */
public record KernelCmdline(String rule, String subject, String parameters, String why) implements Change {

    public KernelCmdline {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(why, "why");
    }

    @Override
    public String target() {
        return "kernel command line";
    }

    @Override
    public String kind() {
        return "boot parameter";
    }

    @Override
    public String from() {
        return "(none)";
    }

    @Override
    public String to() {
        return parameters;
    }

    @Override
    public boolean applicable() {
        return false;
    }
}
