package dev.jvirtio.tune.rules.guest;

import dev.jvirtio.tune.rule.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The guest rules, as listed in GUEST_RULES.txt while that file exists, or else as every rule
 * class of this package known to the tests.
 */
final class GuestRuleCatalogFile {

    private static final List<String> KNOWN = List.of(ParavirtualDevicesRule.class, QemuSyntaxRule.class,
            DiskNamesRule.class, DataPlaneRule.class, QueueCountRule.class, BalloonRule.class, NetworkModelRule.class,
            TapBackendRule.class, PassthroughRule.class, CacheModeRule.class, ImageFormatRule.class,
            BlockDeviceRule.class, SparseImageRule.class, PartitionAlignmentRule.class, GuestHugePagesRule.class)
            .stream().map(Class::getName).toList();

    private GuestRuleCatalogFile() {
    }

    static List<String> classNames() {
        Path listing = Path.of("GUEST_RULES.txt");
        if (Files.exists(listing)) {
            try {
                List<String> names = Files.readAllLines(listing).stream().map(String::strip)
                        .filter(s -> !s.isEmpty()).toList();
                if (!names.containsAll(KNOWN) || !KNOWN.containsAll(names)) {
                    throw new AssertionError("GUEST_RULES.txt lists " + names + " but the rules are " + KNOWN);
                }
                return names;
            } catch (IOException e) {
                throw new AssertionError("GUEST_RULES.txt cannot be read", e);
            }
        }
        return KNOWN;
    }

    static Rule instantiate(String className) {
        try {
            return (Rule) Class.forName(className).getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(className + " has no public no-argument constructor", e);
        }
    }
}
