package dev.jvirtio.bench;

import java.nio.ByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The anchor: the same request/reply exchange as a virtqueue round trip, over two Agrona
 * {@link OneToOneRingBuffer}s. The driver writes 16-byte requests to one ring; the device reads each
 * and writes an 8-byte reply to the other; the driver reads the replies.
 */
public final class EchoRings {

    static final int REQUEST_BYTES = 16;
    static final int REPLY_BYTES = 8;
    private static final int CAPACITY = 1 << 14;

    private final OneToOneRingBuffer requests = ring();
    private final OneToOneRingBuffer replies = ring();
    private final UnsafeBuffer request = new UnsafeBuffer(ByteBuffer.allocateDirect(REQUEST_BYTES));
    private final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(REPLY_BYTES));
    private long replySum;
    private final MessageHandler echo = this::echo;
    private final MessageHandler collect = this::collect;

    private static OneToOneRingBuffer ring() {
        return new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** Driver side: writes one request; false if the request ring is full. */
    public boolean send(long value) {
        request.putLong(0, value);
        request.putLong(8, ~value);
        return requests.write(1, request, 0, REQUEST_BYTES);
    }

    /** Device side: answers up to {@code limit} requests. */
    public int serve(int limit) {
        return requests.read(echo, limit);
    }

    private void echo(int type, MutableDirectBuffer buffer, int index, int length) {
        reply.putLong(0, buffer.getLong(index) + 1);
        while (!replies.write(1, reply, 0, REPLY_BYTES)) {
            Thread.onSpinWait(); // the reply ring holds more than the requests in flight; never taken
        }
    }

    /** Driver side: reads up to {@code limit} replies. */
    public int receive(int limit) {
        return replies.read(collect, limit);
    }

    private void collect(int type, MutableDirectBuffer buffer, int index, int length) {
        replySum += buffer.getLong(index);
    }

    public long replySum() {
        return replySum;
    }
}
