package dev.jvirtio.tune.plan;

import dev.jvirtio.tune.guest.Guest;
import dev.jvirtio.tune.host.FactRoot;
import dev.jvirtio.tune.host.HostFacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the planners share: the facts, the guests, which guests can be edited, what was asked, and
 * what earlier planners decided (placements, guests given huge pages). Not thread-safe.
 */
final class PlanContext {

    /** Configuration files larger than this are not read into a plan. */
    static final int MAX_FILE_BYTES = 1 << 20;

    final FactRoot root;
    final HostFacts host;
    final List<Guest> guests;
    final Map<String, EditableDomain> editable;
    final PlanOptions options;
    final List<String> notes = new ArrayList<>();
    final Map<String, Placement> placements = new LinkedHashMap<>();

    PlanContext(FactRoot root, HostFacts host, List<Guest> guests, Map<String, EditableDomain> editable,
                PlanOptions options) {
        this.root = root;
        this.host = host;
        this.guests = List.copyOf(guests);
        this.editable = Map.copyOf(editable);
        this.options = options;
    }

    /** True when the plan may change the guest's configuration. */
    boolean editable(Guest guest) {
        return editable.containsKey(guest.name());
    }

    /** The file {@code machinePath} under the root. */
    Path resolve(String machinePath) {
        String relative = machinePath.replaceFirst("^/+", "");
        return relative.isEmpty() ? root.path() : root.path().resolve(relative);
    }

    /** The bytes of {@code machinePath} under the root; empty when it does not exist or is too large. */
    Optional<byte[]> fileBytes(String machinePath) {
        Path file = resolve(machinePath);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                notes.add(machinePath + " is larger than " + MAX_FILE_BYTES + " bytes; it was left alone");
                return Optional.empty();
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            notes.add(machinePath + " could not be read (" + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    /**
     * A {@link FileWrite} giving {@code machinePath} the text {@code content}; empty when it already
     * holds exactly that.
     */
    Optional<Change> fileWrite(String rule, FileKind kind, String machinePath, String content) {
        Optional<byte[]> before = fileBytes(machinePath);
        byte[] after = content.getBytes(StandardCharsets.UTF_8);
        if (before.isPresent() && Arrays.equals(before.get(), after)) {
            return Optional.empty();
        }
        return Optional.of(new FileWrite(rule, "host", kind, machinePath, before, after));
    }
}
