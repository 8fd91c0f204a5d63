package dev.jvirtio.cli.bench;

import java.io.PrintWriter;

/**
 * Shows how a run is going: one line rewritten in place on a terminal, plain lines otherwise (logs, pipes).
 *
 * <p>Not thread-safe: the thread that paces the run owns it.
 */
final class ProgressLine {

    private final PrintWriter out;
    private final boolean terminal;
    private final boolean enabled;
    private int lastLength;

    /**
     * @param terminal rewrite one line with carriage returns
     * @param enabled  print anything at all
     */
    ProgressLine(PrintWriter out, boolean terminal, boolean enabled) {
        this.out = out;
        this.terminal = terminal;
        this.enabled = enabled;
    }

    /** Whether standard error is a terminal. */
    static boolean onTerminal() {
        return System.console() != null && System.console().isTerminal();
    }

    void show(String text) {
        if (!enabled) {
            return;
        }
        if (terminal) {
            out.print("\r" + text + " ".repeat(Math.max(0, lastLength - text.length())));
            lastLength = text.length();
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** Ends the rewritten line so that what follows starts on a line of its own. */
    void finish() {
        if (enabled && terminal && lastLength > 0) {
            out.println();
            out.flush();
            lastLength = 0;
        }
    }
}
