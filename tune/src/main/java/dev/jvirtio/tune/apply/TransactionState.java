package dev.jvirtio.tune.apply;

import java.util.Locale;

/** Where a transaction stands, as its journal's last word says. */
public enum TransactionState {
    /** Every change was made. */
    APPLIED,
    /** A change failed; the changes made before it were undone. */
    FAILED,
    /** A change failed and undoing the others failed too: the journal lists what is left. */
    FAILED_UNDO_INCOMPLETE,
    /** Rolled back: every change was undone. */
    ROLLED_BACK,
    /** A rollback could not undo every change; rolling back again retries the rest. */
    ROLLBACK_INCOMPLETE,
    /** The run stopped before it ended (a crash, a kill): rolling back undoes what it made. */
    INCOMPLETE;

    /** The state as the journal and {@code history} write it ({@code rolled-back}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The state a label stands for. */
    static TransactionState ofLabel(String label) {
        for (TransactionState state : values()) {
            if (state.label().equals(label)) {
                return state;
            }
        }
        throw new IllegalArgumentException(label);
    }
}
