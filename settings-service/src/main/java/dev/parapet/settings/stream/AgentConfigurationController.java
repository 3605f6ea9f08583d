package dev.parapet.settings.stream;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import reactor.core.publisher.Flux;
import reactor.netty.NettyOutbound;

/**
 * The configuration stream agents subscribe to: server-sent events, authenticated by the agent
 * credential ({@code Authorization: Bearer pac1.…}), resumable with {@code Last-Event-ID}. The body
 * is bytes already encoded as {@code text/event-stream} ({@link SseFrame}), most of them shared by
 * every stream, so nothing is encoded per stream; the content type is the one Spring's SSE writer
 * sets.
 */
@RestController
public class AgentConfigurationController {

    private final AgentCredentialVerifier credentials;
    private final AgentConfigurationStreams streams;

    public AgentConfigurationController(AgentCredentialVerifier credentials, AgentConfigurationStreams streams) {
        this.credentials = credentials;
        this.streams = streams;
    }

    /** What Spring's SSE writer sends as the content type: kept, so that agents see the same headers. */
    static final MediaType EVENT_STREAM = new MediaType(MediaType.TEXT_EVENT_STREAM, java.nio.charset.StandardCharsets.UTF_8);

    @GetMapping(path = "/agent/v1/configuration", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<DataBuffer> configuration(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                          @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                                          ServerHttpResponse response) {
        AgentCredentialVerifier.AgentIdentity agent = credentials.requireBearer(authorization);
        response.getHeaders().setContentType(EVENT_STREAM);
        return streams.open(agent, StreamPosition.parse(lastEventId), connection(response));
    }

    /**
     * The agent's connection as Reactor Netty holds it (found through the native response): its event
     * loop, so that changes are written to it from its own thread, and its writability, so that a slow
     * agent is sent nothing more until it has read; otherwise changes are written from the fan-out
     * thread, with no limit.
     */
    static StreamConnection connection(ServerHttpResponse response) {
        Object nativeResponse;
        try {
            nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        } catch (IllegalArgumentException notNative) {
            return new StreamConnection(Runnable::run, () -> true, response.bufferFactory());
        }
        if (nativeResponse instanceof NettyOutbound outbound) {
            io.netty.channel.Channel[] channel = new io.netty.channel.Channel[1];
            outbound.withConnection(connection -> channel[0] = connection.channel());
            if (channel[0] != null) {
                io.netty.channel.Channel open = channel[0];
                return new StreamConnection(open.eventLoop(), open::isWritable, response.bufferFactory());
            }
        }
        return new StreamConnection(Runnable::run, () -> true, response.bufferFactory());
    }
}
