package dev.jvirtio.guest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one boot of a {@link GuestMachine} produced: QEMU's exit, the guest's console and the
 * markers its script printed. Immutable.
 */
public final class GuestRun {
    private final int exitCode;
    private final boolean timedOut;
    private final Duration elapsed;
    private final String console;
    private final long consoleBytes;
    private final String qemuErrors;
    private final List<Marker> markers;
    private final long droppedMarkers;

    GuestRun(int exitCode, boolean timedOut, Duration elapsed, String console, long consoleBytes,
            String qemuErrors, List<Marker> markers, long droppedMarkers) {
        this.exitCode = exitCode;
        this.timedOut = timedOut;
        this.elapsed = elapsed;
        this.console = console;
        this.consoleBytes = consoleBytes;
        this.qemuErrors = qemuErrors;
        this.markers = List.copyOf(markers);
        this.droppedMarkers = droppedMarkers;
    }

    /** QEMU's exit status; after a {@link #timedOut() time-out} that of the killed process. */
    public int exitCode() {
        return exitCode;
    }

    /** Whether the machine ran past its time-out and was killed. */
    public boolean timedOut() {
        return timedOut;
    }

    /** Wall-clock time from starting QEMU to its exit. */
    public Duration elapsed() {
        return elapsed;
    }

    /**
     * The serial console text: kernel messages, the script's output and the marker lines, with
     * {@code \r\n} line ends as the guest's terminal writes them. Bounded: when the guest printed
     * more than the machine's console limit, the middle is replaced by a line saying how many
     * bytes were left out.
     */
    public String console() {
        return console;
    }

    /** Every console byte received, including those left out of {@link #console()}. */
    public long consoleBytes() {
        return consoleBytes;
    }

    /** What QEMU itself printed on its standard error, bounded like the console. */
    public String qemuErrors() {
        return qemuErrors;
    }

    /** Every marker in the order printed (at most the machine's marker limit). */
    public List<Marker> markers() {
        return markers;
    }

    /** Markers printed after the marker limit was reached, and so lost. */
    public long droppedMarkers() {
        return droppedMarkers;
    }

    /** The value of the last marker called {@code key}, if any. */
    public Optional<String> marker(String key) {
        for (int i = markers.size() - 1; i >= 0; i--) {
            if (markers.get(i).key().equals(key)) {
                return Optional.of(markers.get(i).value());
            }
        }
        return Optional.empty();
    }

    /** The values of every marker called {@code key}, in order. */
    public List<String> markers(String key) {
        return markers.stream().filter(m -> m.key().equals(key)).map(Marker::value).toList();
    }

    /**
     * The test script's exit status from {@code /init}'s last {@code done} marker; empty when the
     * guest never got there (it crashed, hung or was killed) or the value is not a number.
     */
    public OptionalInt done() {
        Optional<String> done = marker("done");
        if (done.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(done.get()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Whether the script ran to its end with status 0 and QEMU exited with 0 in time. */
    public boolean succeeded() {
        return !timedOut && exitCode == 0 && done().equals(OptionalInt.of(0));
    }

    /**
     * A summary for failure messages: exit, time-out, {@code done} status, QEMU's errors and the
     * last lines of the console.
     */
    public String describe() {
        List<String> lines = console.lines().toList();
        List<String> last = lines.subList(Math.max(0, lines.size() - 40), lines.size());
        return "guest run: exit=" + exitCode + (timedOut ? " (timed out)" : "") + " done="
                + (done().isPresent() ? String.valueOf(done().getAsInt()) : "none")
                + " elapsed=" + elapsed.toMillis() + "ms\n"
                + (qemuErrors.isBlank() ? "" : "qemu stderr:\n" + qemuErrors.strip() + "\n")
                + "console (last " + last.size() + " lines):\n" + String.join("\n", last);
    }

    @Override
    public String toString() {
        return "GuestRun[exit=" + exitCode + ", timedOut=" + timedOut + ", done=" + done()
                + ", markers=" + markers.size() + ", elapsed=" + elapsed + "]";
    }
}
