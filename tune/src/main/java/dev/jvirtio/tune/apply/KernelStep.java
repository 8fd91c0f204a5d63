package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A setting written into a live kernel attribute file (sysfs, procfs, cgroupfs), checked by
 * reading it back. Undone by writing the old value, also checked.
 *
 * @param path   the attribute file, absolute
 * @param before its text before
 * @param value  the value written
 * @param shown  its text as the kernel shows it after the write
 */
record KernelStep(Path path, String before, String value, String shown) implements Step {

    static final String KIND = "kernel";

    @Override
    public String target() {
        return path.toString();
    }

    @Override
    public ObjectNode toJson() {
        return Step.json(KIND).put("path", path.toString()).put("before", before).put("value", value)
                .put("shown", shown);
    }

    static KernelStep fromJson(JsonNode node, Path root, JournalFields fields) throws JournalException {
        return new KernelStep(fields.path(fields.text(node, "path"), root, false), fields.text(node, "before"),
                fields.text(node, "value"), fields.text(node, "shown"));
    }

    @Override
    public Optional<String> make(StepEnvironment env) throws IOException {
        KernelFiles.write(path, value);
        String now = KernelFiles.read(path);
        if (!now.trim().equals(shown.trim())) {
            throw new IOException("the kernel shows '" + now.trim() + "' in " + path + " after '" + value
                    + "' was written, not '" + shown.trim() + "'");
        }
        return Optional.empty();
    }

    @Override
    public void undo(StepEnvironment env) throws IOException {
        String old = KernelFiles.value(before);
        if (KernelFiles.value(KernelFiles.read(path)).equals(old)) {
            return;
        }
        KernelFiles.write(path, old);
        String now = KernelFiles.read(path);
        if (!KernelFiles.value(now).equals(old)) {
            throw new IOException("the kernel shows '" + now.trim() + "' in " + path + " after '" + old
                    + "' was written back");
        }
    }

    @Override
    public StepState state(StepEnvironment env) throws IOException {
        String now = KernelFiles.read(path).trim();
        if (now.equals(shown.trim())) {
            return StepState.AFTER;
        }
        return KernelFiles.value(now).equals(KernelFiles.value(before)) ? StepState.BEFORE : StepState.OTHER;
    }
}
