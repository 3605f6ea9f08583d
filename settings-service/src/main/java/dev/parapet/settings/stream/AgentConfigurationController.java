package dev.parapet.settings.stream;

import java.util.concurrent.Executor;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
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
 * credential ({@code Authorization: Bearer pac1.…}), resumable with {@code Last-Event-ID}.
 */
@RestController
public class AgentConfigurationController {

    private final AgentCredentialVerifier credentials;
    private final AgentConfigurationStreams streams;

    public AgentConfigurationController(AgentCredentialVerifier credentials, AgentConfigurationStreams streams) {
        this.credentials = credentials;
        this.streams = streams;
    }

    @GetMapping(path = "/agent/v1/configuration", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<Object>> configuration(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                                       @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                                                       ServerHttpResponse response) {
        AgentCredentialVerifier.AgentIdentity agent = credentials.requireBearer(authorization);
        return streams.open(agent, StreamPosition.parse(lastEventId), connectionThread(response));
    }

    /**
     * The event loop of the agent's connection (Reactor Netty's, found through the native response),
     * so that changes are written to it from its own thread; otherwise they are written from the
     * fan-out thread.
     */
    static Executor connectionThread(ServerHttpResponse response) {
        Object nativeResponse;
        try {
            nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        } catch (IllegalArgumentException notNative) {
            return Runnable::run;
        }
        if (nativeResponse instanceof NettyOutbound outbound) {
            Executor[] loop = new Executor[1];
            outbound.withConnection(connection -> loop[0] = connection.channel().eventLoop());
            if (loop[0] != null) {
                return loop[0];
            }
        }
        return Runnable::run;
    }
}
