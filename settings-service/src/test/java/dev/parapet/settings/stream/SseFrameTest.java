package dev.parapet.settings.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.codec.ServerSentEventHttpMessageWriter;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/** A frame is byte for byte what Spring's SSE writer, which encoded every stream's events before, writes. */
class SseFrameTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void anEventWithJsonDataIsWhatTheSseWriterWrites() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("version", 7);
        settings.put("userAuthentication", true);
        settings.put("tamperProtection", null);
        settings.put("note", "ünïcode \"quoted\"\nand a line break inside a string");
        String text = json.writeValueAsString(settings);

        assertThat(SseFrame.event("s7.e3", "settings", text).toString())
                .isEqualTo(written(ServerSentEvent.builder().id("s7.e3").event("settings").data((Object) text).build()))
                .isEqualTo(written(ServerSentEvent.builder().id("s7.e3").event("settings").data((Object) settings).build()))
                .isEqualTo("id:s7.e3\nevent:settings\ndata:" + text + "\n\n");
    }

    @Test
    void dataOverSeveralLinesGoesOnADataLineEach() {
        assertThat(SseFrame.event(null, "revoked", "one\ntwo\n").toString())
                .isEqualTo(written(ServerSentEvent.builder().event("revoked").data((Object) "one\ntwo\n").build()))
                .isEqualTo("event:revoked\ndata:one\ndata:two\ndata:\n\n");
    }

    @Test
    void aCommentIsWhatTheSseWriterWrites() {
        String comment = "keep-alive 2026-12-04T08:30:00.123456Z";
        assertThat(SseFrame.comment(comment).toString())
                .isEqualTo(written(ServerSentEvent.builder().comment(comment).build()))
                .isEqualTo(":" + comment + "\n\n");
    }

    @Test
    void everyBufferIsAReadOnlyViewOfTheSameBytes() {
        SseFrame frame = SseFrame.event("s1.e1", "exceptions", "{\"domains\":[\"intranet.example\"]}");
        DataBuffer one = frame.buffer(DefaultDataBufferFactory.sharedInstance);
        DataBuffer two = frame.buffer(DefaultDataBufferFactory.sharedInstance);

        assertThat(one.toString(StandardCharsets.UTF_8)).isEqualTo(frame.toString());
        one.readPosition(one.readableByteCount());
        assertThat(two.toString(StandardCharsets.UTF_8)).as("reading one does not move the other").isEqualTo(frame.toString());
        DataBuffer three = frame.buffer(DefaultDataBufferFactory.sharedInstance);
        three.writePosition(0);
        assertThatThrownBy(() -> three.write((byte) 'X')).as("no connection can change what the others are sent")
                .isInstanceOf(ReadOnlyBufferException.class);
        assertThat(frame.buffer(DefaultDataBufferFactory.sharedInstance).toString(StandardCharsets.UTF_8)).startsWith("id:s1.e1\n");
        assertThat(frame.size()).isEqualTo(frame.toString().getBytes(StandardCharsets.UTF_8).length);
    }

    private String written(ServerSentEvent<Object> event) {
        MockServerHttpResponse response = new MockServerHttpResponse();
        new ServerSentEventHttpMessageWriter(new JacksonJsonEncoder(json))
                .write(Flux.fromIterable(List.of(event)), ResolvableType.forClassWithGenerics(ServerSentEvent.class, Object.class),
                        MediaType.TEXT_EVENT_STREAM, response, Map.of())
                .block();
        return DataBufferUtils.join(response.getBody()).map(buffer -> buffer.toString(StandardCharsets.UTF_8)).block();
    }
}
