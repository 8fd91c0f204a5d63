package dev.jvirtio.guest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Records a guest's console byte stream: keeps its text within a size bound (the beginning and the
 * end when it overflows), splits it into lines and collects the {@link Marker markers}, and copies
 * every byte to an optional log. The bytes come from the guest and may be anything: no input
 * makes it throw or grow beyond its bounds.
 *
 * <p>Thread-safe: one thread feeds it while another may read.
 */
final class ConsoleRecorder {
    /** Lines longer than this are kept in the text but never read as markers. */
    static final int MAX_LINE = 4096;

    private final int headLimit;
    private final byte[] tail;
    private final int maxMarkers;
    private final OutputStream log;

    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private int tailStart;
    private int tailLength;
    private long totalBytes;

    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private boolean lineTooLong;

    private final List<Marker> markers = new ArrayList<>();
    private long droppedMarkers;
    private IOException logFailure;

    /**
     * @param textLimit bytes of console text kept: the first half and the last half of the stream
     * @param maxMarkers markers kept; later ones are counted and dropped
     * @param log receives every byte as it arrives, or {@code null}; never closed here
     */
    ConsoleRecorder(int textLimit, int maxMarkers, OutputStream log) {
        if (textLimit < 2 || maxMarkers < 1) {
            throw new IllegalArgumentException("textLimit=" + textLimit + " maxMarkers=" + maxMarkers);
        }
        this.headLimit = textLimit / 2;
        this.tail = new byte[textLimit - headLimit];
        this.maxMarkers = maxMarkers;
        this.log = log;
    }

    /** Takes the next {@code length} bytes of the stream. */
    synchronized void accept(byte[] bytes, int offset, int length) {
        if (log != null && logFailure == null) {
            try {
                log.write(bytes, offset, length);
                log.flush();
            } catch (IOException e) {
                logFailure = e;
            }
        }
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            keep(b);
            if (b == '\n') {
                endLine();
            } else if (lineLength < MAX_LINE) {
                line[lineLength++] = b;
            } else {
                lineTooLong = true;
            }
        }
    }

    /** Ends the stream: a last line without a line feed is read as well. */
    synchronized void finish() {
        if (lineLength > 0 || lineTooLong) {
            endLine();
        }
    }

    private void keep(byte b) {
        totalBytes++;
        if (head.size() < headLimit) {
            head.write(b);
            return;
        }
        if (tailLength < tail.length) {
            tail[(tailStart + tailLength) % tail.length] = b;
            tailLength++;
        } else {
            tail[tailStart] = b;
            tailStart = (tailStart + 1) % tail.length;
        }
    }

    private void endLine() {
        if (!lineTooLong) {
            int length = lineLength;
            while (length > 0 && line[length - 1] == '\r') {
                length--;
            }
            Marker.parse(new String(line, 0, length, StandardCharsets.UTF_8)).ifPresent(this::addMarker);
        }
        lineLength = 0;
        lineTooLong = false;
    }

    private void addMarker(Marker marker) {
        if (markers.size() < maxMarkers) {
            markers.add(marker);
        } else {
            droppedMarkers++;
        }
    }

    /**
     * The console text, decoded as UTF-8 with malformed bytes replaced; when more than the limit
     * arrived, a line in the middle says how many bytes were left out.
     */
    synchronized String text() {
        byte[] ordered = new byte[tailLength];
        for (int i = 0; i < tailLength; i++) {
            ordered[i] = tail[(tailStart + i) % tail.length];
        }
        long dropped = droppedBytes();
        if (dropped == 0) {
            return new String(concat(head.toByteArray(), ordered), StandardCharsets.UTF_8);
        }
        return head.toString(StandardCharsets.UTF_8) + "\n[... " + dropped
                + " bytes of console output left out ...]\n" + new String(ordered, StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Every byte taken, kept or not. */
    synchronized long totalBytes() {
        return totalBytes;
    }

    /** Bytes taken but left out of {@link #text()}. */
    synchronized long droppedBytes() {
        return totalBytes - head.size() - tailLength;
    }

    /** The markers in the order they arrived, at most the configured number. */
    synchronized List<Marker> markers() {
        return List.copyOf(markers);
    }

    /** Markers that arrived after the bound was reached. */
    synchronized long droppedMarkers() {
        return droppedMarkers;
    }

    /** The first failure writing the log, after which the log got nothing more; or null. */
    synchronized IOException logFailure() {
        return logFailure;
    }
}
