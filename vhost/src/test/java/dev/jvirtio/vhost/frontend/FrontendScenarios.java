package dev.jvirtio.vhost.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvirtio.blk.BlkRequestType;
import dev.jvirtio.blk.driver.BlkDriverOptions;
import dev.jvirtio.blk.driver.BlkDriverQueue;
import dev.jvirtio.vhost.protocol.ProtocolFeature;
import dev.jvirtio.vhost.protocol.VhostUserException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What jvirtio's front-end and virtio-blk driver must do against any vhost-user-blk back-end: each
 * subclass starts one kind of back-end over a real image file, and the scenarios check the file
 * with java.nio.
 */
@Timeout(60)
abstract class FrontendScenarios {

    /** 8 MiB and three sectors: a capacity no default would produce by chance. */
    static final long IMAGE_BYTES = (8L << 20) + 3 * 512;

    @TempDir
    Path dir;

    /** Starts the back-end serving {@code image} with {@code queues} queues; returns its socket. */
    abstract Path startBackend(Path image, int queues) throws Exception;

    /** Stops the back-end. */
    abstract void stopBackend() throws Exception;

    /** What the back-end answers to GET_ID. */
    abstract String expectedSerial();

    @AfterEach
    void stop() throws Exception {
        stopBackend();
    }

    Path image() throws Exception {
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(IMAGE_BYTES);
        }
        return image;
    }

    static byte[] pattern(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] fileBytes(Path image, long offset, int length) throws Exception {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // read until full
            }
            return b.array();
        }
    }

    static MemorySegment offHeap(byte[] bytes, Arena arena) {
        return arena.allocate(bytes.length, 4096).copyFrom(MemorySegment.ofArray(bytes));
    }

    @Test
    void configSpaceCapacityIsTheImageSize() throws Exception {
        Path image = image();
        try (BlkOverVhostUser client = new BlkOverVhostUser(startBackend(image, 1), 1, BlkDriverOptions.defaults())) {
            assertThat(client.driver.capacityBytes()).isEqualTo(Files.size(image));
            assertThat(client.driver.capacitySectors()).isEqualTo(Files.size(image) / 512);
        }
    }

    @Test
    void driverWritesPatternAndHostFindsItInTheImage() throws Exception {
        Path image = image();
        long offset = (1L << 20) + 4096;
        byte[] written = pattern(42, 300 * 1024);
        BlkDriverOptions options = BlkDriverOptions.defaults().withQueueDepth(8).withMaxRequestBytes(64 * 1024);
        try (BlkOverVhostUser client = new BlkOverVhostUser(startBackend(image, 1), 1, options);
             Arena arena = Arena.ofConfined()) {
            BlkDriverQueue queue = client.driver.queue(0);
            queue.write(offset, offHeap(written, arena));
            queue.flush();
        }
        assertThat(fileBytes(image, offset, written.length)).isEqualTo(written);
        assertThat(fileBytes(image, offset - 4096, 4096)).as("the sectors before are untouched").containsOnly(0);
        assertThat(fileBytes(image, offset + written.length, 4096)).as("the sectors after are untouched").containsOnly(0);
    }

    @Test
    void hostWritesPatternAndDriverReadsItBack() throws Exception {
        Path image = image();
        long offset = IMAGE_BYTES - 3 * 512 - 128 * 1024;
        byte[] stored = pattern(7, 128 * 1024 + 3 * 512);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(stored), offset);
        }
        BlkDriverOptions options = BlkDriverOptions.defaults().withQueueDepth(4).withMaxRequestBytes(16 * 1024);
        try (BlkOverVhostUser client = new BlkOverVhostUser(startBackend(image, 1), 1, options);
             Arena arena = Arena.ofConfined()) {
            MemorySegment read = arena.allocate(stored.length, 4096);
            client.driver.queue(0).read(offset, read);
            assertThat(read.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(stored);
        }
    }

    @Test
    void eachQueueCarriesItsOwnRequests() throws Exception {
        Path image = image();
        byte[] first = pattern(1, 64 * 1024);
        byte[] second = pattern(2, 64 * 1024);
        try (BlkOverVhostUser client = new BlkOverVhostUser(startBackend(image, 2), 2, BlkDriverOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            assertThat(client.device.maxQueues()).isGreaterThanOrEqualTo(2);
            client.driver.queue(0).write(0, offHeap(first, arena));
            client.driver.queue(1).write(1 << 20, offHeap(second, arena));
            client.driver.queue(1).flush();
            int[] bases = client.device.stop();
            // Each synchronous write above is one chain (64 KiB fits one request); the flush another.
            assertThat(bases).containsExactly(1, 2);
        }
        assertThat(fileBytes(image, 0, first.length)).isEqualTo(first);
        assertThat(fileBytes(image, 1 << 20, second.length)).isEqualTo(second);
    }

    @Test
    void writeZeroesClearsARangeInTheImage() throws Exception {
        Path image = image();
        byte[] stored = pattern(9, 64 * 1024);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(stored), 0);
        }
        try (BlkOverVhostUser client = new BlkOverVhostUser(startBackend(image, 1), 1, BlkDriverOptions.defaults())) {
            assertThat(client.driver.supports(BlkRequestType.WRITE_ZEROES)).isTrue();
            client.driver.queue(0).writeZeroes(8192, 16384, false);
            client.driver.queue(0).flush();
        }
        byte[] expected = stored.clone();
        Arrays.fill(expected, 8192, 8192 + 16384, (byte) 0);
        assertThat(fileBytes(image, 0, stored.length)).isEqualTo(expected);
    }

    @Test
    void getIdReturnsTheSerial() throws Exception {
        try (BlkOverVhostUser client = new BlkOverVhostUser(startBackend(image(), 1), 1, BlkDriverOptions.defaults())) {
            assertThat(client.driver.queue(0).getId()).isEqualTo(expectedSerial());
        }
    }

    @Test
    void askingForMoreQueuesThanServedIsOneClearSentence() throws Exception {
        Path socket = startBackend(image(), 1);
        int served;
        try (VhostUserFrontend probe = VhostUserFrontend.connect(socket, BlkOverVhostUser.CONNECT_PATIENCE)) {
            probe.getFeatures();
            assertThat(ProtocolFeature.MQ.in(probe.getProtocolFeatures())).isTrue();
            probe.setProtocolFeatures(ProtocolFeature.MQ.mask());
            served = probe.getQueueNum();
        }
        assertThatThrownBy(() -> new BlkOverVhostUser(socket, served + 1, BlkDriverOptions.defaults()))
                .isInstanceOf(VhostUserException.class)
                .hasMessage("the back-end at " + socket + " serves at most " + served + (served == 1 ? " queue" : " queues")
                        + ", " + (served + 1) + " were asked for");
    }

    @Test
    void readingBeyondTheCapacityIsRefusedBeforeItIsSent() throws Exception {
        try (BlkOverVhostUser client = new BlkOverVhostUser(startBackend(image(), 1), 1, BlkDriverOptions.defaults());
             Arena arena = Arena.ofConfined()) {
            BlkDriverQueue queue = client.driver.queue(0);
            assertThatThrownBy(() -> queue.read(IMAGE_BYTES - 512, arena.allocate(1024)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("beyond the device's " + IMAGE_BYTES / 512 + " sectors");
            assertThat(queue.inFlight()).isZero();
            MemorySegment last = arena.allocate(512);
            queue.read(IMAGE_BYTES - 512, last);
            assertThat(last.toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
        }
    }
}
