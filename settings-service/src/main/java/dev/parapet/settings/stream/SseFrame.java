package dev.parapet.settings.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;

/**
 * One server-sent event, encoded once as the bytes of {@code text/event-stream} and then written to
 * any number of streams: a change is encoded once for the ten thousand streams at the same position,
 * not once per stream by the SSE encoder. The bytes are exactly those Spring's
 * {@code ServerSentEventHttpMessageWriter} writes for the same event ({@code id:}, {@code event:},
 * comment and {@code data:} lines, each line of the data on a {@code data:} line of its own, a blank
 * line after), so agents see no difference ({@code SseFrameTest} compares the two).
 */
public final class SseFrame {

    private final byte[] bytes;

    private SseFrame(String text) {
        this.bytes = text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * An event with data that is already text (JSON rendered once per version).
     *
     * @param id    the event id, or null for none
     * @param event the event's name
     * @param data  the data; each of its lines goes on a {@code data:} line
     */
    public static SseFrame event(String id, String event, String data) {
        StringBuilder text = new StringBuilder(data.length() + 64);
        if (id != null) {
            text.append("id:").append(id).append('\n');
        }
        text.append("event:").append(event).append('\n');
        text.append("data:").append(data.replace("\n", "\ndata:")).append('\n');
        return new SseFrame(text.append('\n').toString());
    }

    /** A comment, which clients ignore: it keeps proxies from closing an idle connection. */
    public static SseFrame comment(String comment) {
        return new SseFrame(":" + comment.replace("\n", "\n:") + "\n\n");
    }

    /**
     * The frame as a buffer of its own for one write: a read-only view of the shared bytes, so
     * writing it to one connection copies nothing and cannot change what the others are sent.
     */
    public DataBuffer buffer(DataBufferFactory buffers) {
        return buffers.wrap(ByteBuffer.wrap(bytes).asReadOnlyBuffer());
    }

    public int size() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
