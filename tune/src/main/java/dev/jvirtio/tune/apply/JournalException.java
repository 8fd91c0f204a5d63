package dev.jvirtio.tune.apply;

/**
 * A transaction's journal cannot be trusted: a line fails its checksum, is not a journal record,
 * names a file outside the root, or the records contradict each other. Nothing is changed when
 * this is thrown. The message names the transaction and the line.
 */
public final class JournalException extends Exception {
    private static final long serialVersionUID = 1L;

    public JournalException(String message) {
        super(message);
    }
}
