package dev.jvirtio.tune.apply;

import java.util.Objects;

/**
 * What a rollback did.
 *
 * @param transaction the transaction rolled back
 * @param state       its state afterwards
 * @param undone      how many changes were undone by this rollback
 * @param message     one sentence on the outcome
 */
public record RollbackResult(String transaction, TransactionState state, int undone, String message) {
    public RollbackResult {
        Objects.requireNonNull(transaction, "transaction");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(message, "message");
    }

    /** True when nothing of the transaction is left in place. */
    public boolean succeeded() {
        return state == TransactionState.ROLLED_BACK || state == TransactionState.FAILED;
    }
}
