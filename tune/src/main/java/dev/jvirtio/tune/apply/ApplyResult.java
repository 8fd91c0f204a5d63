package dev.jvirtio.tune.apply;

import java.util.Objects;
import java.util.Optional;

/**
 * What an apply did.
 *
 * @param transaction the transaction it journaled; empty when there was nothing to change
 * @param state       {@link TransactionState#APPLIED}, {@link TransactionState#FAILED} (undone), or
 *                    {@link TransactionState#FAILED_UNDO_INCOMPLETE}; {@code APPLIED} when there was
 *                    nothing to change
 * @param made        changes made (after a failure: made before it, and undone again)
 * @param inPlace     changes found already in place and skipped
 * @param failure     why it failed, one sentence; {@code ""} when it did not
 */
public record ApplyResult(Optional<String> transaction, TransactionState state, int made, int inPlace,
                          String failure) {
    public ApplyResult {
        Objects.requireNonNull(transaction, "transaction");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(failure, "failure");
    }

    /** True when every change is in place. */
    public boolean succeeded() {
        return state == TransactionState.APPLIED;
    }
}
