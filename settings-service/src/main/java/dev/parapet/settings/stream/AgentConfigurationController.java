package dev.parapet.settings.stream;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import reactor.core.publisher.Flux;

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
                                                       @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        AgentCredentialVerifier.AgentIdentity agent = credentials.requireBearer(authorization);
        return streams.open(agent, StreamPosition.parse(lastEventId));
    }
}
