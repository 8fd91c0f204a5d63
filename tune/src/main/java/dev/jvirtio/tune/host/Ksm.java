package dev.jvirtio.tune.host;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Kernel Same-page Merging state from {@code /sys/kernel/mm/ksm} and the kernel configuration.
 *
 * @param present          true when {@code /sys/kernel/mm/ksm} exists (the kernel has KSM)
 * @param run              {@code run}: 0 stopped, 1 running, 2 stopped and unmerged
 * @param pagesShared      {@code pages_shared}: shared pages in use
 * @param pagesSharing     {@code pages_sharing}: how many more sites share them (the saving)
 * @param mergeAcrossNodes {@code merge_across_nodes}
 * @param configKsm        {@code CONFIG_KSM} from {@code /boot/config-*}: {@code "y"}, {@code "n"},
 *                         or {@code ""} when no kernel configuration could be read
 * @param configFile       the configuration file read, "" when none
 */
public record Ksm(boolean present, OptionalLong run, OptionalLong pagesShared, OptionalLong pagesSharing,
                  OptionalLong mergeAcrossNodes, String configKsm, String configFile) {

    private static final String DIR = "/sys/kernel/mm/ksm";

    public Ksm {
        Objects.requireNonNull(configKsm, "configKsm");
        Objects.requireNonNull(configFile, "configFile");
    }

    /** True when KSM is scanning ({@code run} is 1). */
    public boolean running() {
        return run.orElse(0) == 1;
    }

    static Ksm read(FactRoot root, String kernelRelease) {
        boolean present = root.isDirectory(DIR);
        String configKsm = "";
        String configFile = "";
        List<String> boot = root.list("/boot");
        Optional<String> config = boot.contains("config-" + kernelRelease) ? Optional.of("config-" + kernelRelease)
                : boot.stream().filter(name -> name.startsWith("config-")).reduce((a, b) -> b);
        if (config.isPresent()) {
            configFile = "/boot/" + config.get();
            String text = root.read(configFile).orElse("");
            if (text.contains("\nCONFIG_KSM=y") || text.startsWith("CONFIG_KSM=y")) {
                configKsm = "y";
            } else if (text.contains("# CONFIG_KSM is not set")) {
                configKsm = "n";
            }
        }
        return new Ksm(present, root.readLong(DIR + "/run"), root.readLong(DIR + "/pages_shared"),
                root.readLong(DIR + "/pages_sharing"), root.readLong(DIR + "/merge_across_nodes"),
                configKsm, configFile);
    }
}
