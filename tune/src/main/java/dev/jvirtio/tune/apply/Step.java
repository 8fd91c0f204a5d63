package dev.jvirtio.tune.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvirtio.tune.guest.GuestConfigException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One change as a transaction journals it: everything needed to make it, to see whether it is in
 * place, and to undo it, without the plan that produced it.
 */
sealed interface Step permits FileStep, KernelStep, LibvirtDefineStep, LibvirtPinStep {

    /** What the step changes, the same for every step on the same thing. */
    String target();

    /** The step as a journal record's {@code step} field. */
    ObjectNode toJson();

    /**
     * Makes the change and checks that it took.
     *
     * @return what the target reads as afterwards when that differs from what was written (libvirt
     *         rewrites a defined XML), for {@link #observed}
     */
    Optional<String> make(StepEnvironment env) throws IOException, GuestConfigException;

    /** This step knowing what the target read as after {@link #make}. */
    default Step observed(String afterAsRead) {
        return this;
    }

    /**
     * Puts the target back as it was before the step, touching nothing that already is (a step
     * that failed before it took is undone without a write).
     */
    void undo(StepEnvironment env) throws IOException, GuestConfigException;

    /** Where the target stands now. */
    StepState state(StepEnvironment env) throws IOException, GuestConfigException;

    /** A journal record's {@code step} object of {@code kind}, for a step's {@link #toJson} to fill in. */
    static ObjectNode json(String kind) {
        return Journal.JSON.createObjectNode().put("kind", kind);
    }

    /**
     * Reads a step from a journal record, refusing anything jvirtio does not write.
     *
     * @param root the transaction's root: files and settings must lie under it
     */
    static Step fromJson(JsonNode node, Path root, JournalFields fields) throws JournalException {
        if (node == null || !node.isObject()) {
            throw fields.damaged("the change has no step");
        }
        String kind = fields.text(node, "kind");
        return switch (kind) {
            case FileStep.KIND -> FileStep.fromJson(node, root, fields);
            case KernelStep.KIND -> KernelStep.fromJson(node, root, fields);
            case LibvirtDefineStep.KIND -> LibvirtDefineStep.fromJson(node, fields);
            case LibvirtPinStep.KIND -> LibvirtPinStep.fromJson(node, fields);
            default -> throw fields.damaged("the step kind '" + kind + "' is unknown");
        };
    }
}
