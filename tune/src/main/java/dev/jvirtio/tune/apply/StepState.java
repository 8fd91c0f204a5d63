package dev.jvirtio.tune.apply;

/** Where a target stands relative to one step of a transaction. */
enum StepState {
    /** As it was before the step. */
    BEFORE,
    /** As the step left it. */
    AFTER,
    /** Neither: something else changed it. */
    OTHER
}
