package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The console recorder against whatever a guest may print: arbitrary bytes, markers among noise,
 * any chunking, overflowing output.
 */
class ConsoleRecorderProperties {
    @Property(tries = 300)
    void arbitraryBytesNeverBreakTheBounds(@ForAll @Size(max = 6000) byte[] stream,
            @ForAll @IntRange(min = 1, max = 700) int chunk, @ForAll @IntRange(min = 2, max = 3000) int limit) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ConsoleRecorder recorder = new ConsoleRecorder(limit, 5, log);

        feed(recorder, stream, chunk);

        assertThat(recorder.totalBytes()).isEqualTo(stream.length);
        assertThat(recorder.droppedBytes()).isEqualTo(Math.max(0, stream.length - limit));
        assertThat(recorder.markers().size()).isLessThanOrEqualTo(5);
        assertThat(log.toByteArray()).isEqualTo(stream);
        // Decoding turns each byte into at most one character; the note adds one short line.
        assertThat(recorder.text().length()).isLessThanOrEqualTo(Math.min(stream.length, limit) + 80);
    }

    @Property(tries = 200)
    void markersAmongNoiseAreFoundInOrderWhateverTheChunking(
            @ForAll("consoles") List<Line> lines, @ForAll @IntRange(min = 1, max = 97) int chunk) {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<Marker> expected = new ArrayList<>();
        for (Line line : lines) {
            stream.writeBytes(line.bytes());
            stream.writeBytes(line.crlf() ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
            if (line.marker() != null) {
                expected.add(line.marker());
            }
        }
        ConsoleRecorder recorder = new ConsoleRecorder(1 << 20, 10_000, null);

        feed(recorder, stream.toByteArray(), chunk);

        assertThat(recorder.markers()).isEqualTo(expected);
    }

    /** One console line: a marker's line, or noise that is not a marker. */
    record Line(byte[] bytes, Marker marker, boolean crlf) {
    }

    @Provide
    Arbitrary<List<Line>> consoles() {
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('a', 'z').withChars('_', '.', ':', '-')
                .numeric().ofMinLength(1).ofMaxLength(Marker.MAX_KEY_LENGTH);
        Arbitrary<String> values = Arbitraries.strings().withCharRange(' ', '\uD7FF').ofMaxLength(80)
                .map(v -> v.replaceAll("[\\r\\n]", " ").strip());
        Arbitrary<Line> markers = Combinators.combine(keys, values, Arbitraries.of(true, false))
                .as((k, v, crlf) -> {
                    Marker marker = new Marker(k, v);
                    return new Line(marker.line().getBytes(StandardCharsets.UTF_8), marker, crlf);
                });
        Arbitrary<Line> noise = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                        Arbitraries.of(true, false))
                .as((bytes, crlf) -> new Line(withoutLineFeeds(bytes), null, crlf))
                .filter(line -> Marker.parse(new String(line.bytes(), StandardCharsets.UTF_8)).isEmpty());
        return Arbitraries.frequencyOf(Tuple.of(1, markers), Tuple.of(2, noise)).list().ofMaxSize(60);
    }

    private static byte[] withoutLineFeeds(byte[] bytes) {
        byte[] copy = bytes.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == '\n') {
                copy[i] = ' ';
            }
        }
        return copy;
    }

    @Test
    void textUnderTheLimitIsKeptWhole() {
        String console = "[    0.1] Linux version\r\n@@JVIRTIO a 1\r\nno line end";
        ConsoleRecorder recorder = new ConsoleRecorder(1024, 10, null);

        feed(recorder, console.getBytes(StandardCharsets.UTF_8), 7);
        recorder.finish();

        assertThat(recorder.text()).isEqualTo(console);
        assertThat(recorder.droppedBytes()).isZero();
    }

    @Test
    void overflowingOutputKeepsTheBeginningAndTheEndAndSaysWhatWasLeftOut() {
        byte[] stream = new byte[10_000];
        Random random = new Random(42);
        for (int i = 0; i < stream.length; i++) {
            stream[i] = (byte) ('a' + random.nextInt(26));
        }
        int limit = 1000;
        ConsoleRecorder recorder = new ConsoleRecorder(limit, 10, null);

        feed(recorder, stream, 333);

        String text = recorder.text();
        String first = new String(stream, 0, limit / 2, StandardCharsets.US_ASCII);
        String last = new String(stream, stream.length - limit / 2, limit / 2, StandardCharsets.US_ASCII);
        assertThat(text).startsWith(first).endsWith(last)
                .contains("[... " + (stream.length - limit) + " bytes of console output left out ...]");
    }

    @Test
    void aLastLineWithoutLineFeedIsReadAtTheEnd() {
        ConsoleRecorder recorder = new ConsoleRecorder(1024, 10, null);

        feed(recorder, "noise\n@@JVIRTIO done 3".getBytes(StandardCharsets.UTF_8), 4);
        assertThat(recorder.markers()).isEmpty();
        recorder.finish();

        assertThat(recorder.markers()).containsExactly(new Marker("done", "3"));
    }

    @Test
    void anOverlongLineIsNeverAMarkerAndTheNextLineStillIs() {
        String overlong = "@@JVIRTIO long " + "x".repeat(ConsoleRecorder.MAX_LINE);
        ConsoleRecorder recorder = new ConsoleRecorder(1 << 16, 10, null);

        feed(recorder, (overlong + "\n@@JVIRTIO next ok\n").getBytes(StandardCharsets.UTF_8), 1000);

        assertThat(recorder.markers()).containsExactly(new Marker("next", "ok"));
    }

    @Test
    void markersBeyondTheLimitAreCountedAndDropped() {
        ConsoleRecorder recorder = new ConsoleRecorder(1 << 16, 3, null);
        StringBuilder console = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            console.append("@@JVIRTIO n").append(i).append(' ').append(i).append('\n');
        }

        feed(recorder, console.toString().getBytes(StandardCharsets.UTF_8), 9);

        assertThat(recorder.markers()).extracting(Marker::key).containsExactly("n0", "n1", "n2");
        assertThat(recorder.droppedMarkers()).isEqualTo(2);
    }

    @Test
    void aFailingLogStopsGettingBytesButRecordingGoesOn() {
        IOException broken = new IOException("disk full");
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw broken;
            }
        };
        ConsoleRecorder recorder = new ConsoleRecorder(1024, 10, failing);

        feed(recorder, "@@JVIRTIO a 1\n@@JVIRTIO b 2\n".getBytes(StandardCharsets.UTF_8), 5);

        assertThat(recorder.logFailure()).isSameAs(broken);
        assertThat(recorder.markers()).extracting(Marker::key).containsExactly("a", "b");
    }

    private static void feed(ConsoleRecorder recorder, byte[] stream, int chunk) {
        for (int offset = 0; offset < stream.length; offset += chunk) {
            byte[] piece = Arrays.copyOfRange(stream, offset, Math.min(stream.length, offset + chunk));
            // Overwritten after each call, as a reader reuses its buffer: the recorder must copy.
            recorder.accept(piece, 0, piece.length);
            Arrays.fill(piece, (byte) '#');
        }
    }
}
