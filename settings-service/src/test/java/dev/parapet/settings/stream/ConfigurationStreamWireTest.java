package dev.parapet.settings.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.settings.SettingsServiceSpringTest;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.stack.RealInfrastructure;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/**
 * The stream's bytes on the wire, headers included, are exactly what this application's own SSE
 * writer (its codecs, its JSON mapper) writes for the same events, as it did for every stream before
 * the events were encoded once for all streams: for the snapshot, a change every stream shares, and
 * the events of a stream resumed from further back, which are its own.
 */
@SettingsServiceSpringTest
class ConfigurationStreamWireTest {

    @LocalServerPort
    int port;
    @Autowired
    ServerCodecConfigurer codecs;
    @Autowired
    SettingsState state;
    @Autowired
    AgentCredentialVerifier verifier;
    @Autowired
    AgentConfigurationStreams.AgentSignIn signIn;
    @Autowired
    JsonMapper json;

    WebTestClient http;
    TestAgents agents;
    UUID account;
    String admin;

    @BeforeEach
    void connect() throws Exception {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        agents = new TestAgents();
        account = UUID.randomUUID();
        admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
        agents.key(account, 1, KeyStatus.ACTIVE);
    }

    @AfterEach
    void close() {
        agents.close();
    }

    @Test
    void theBytesAreWhatTheApplicationsSseWriterWrites() throws Exception {
        String credential = agents.agent(account, UUID.randomUUID(), 1);
        TestAgents.awaitAccepted(verifier, credential);
        AgentIdentity agent = verifier.verify(credential).orElseThrow();
        http.put().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("userAuthentication", true, "enforceUserAuthentication", false, "manageUpdates", true))
                .exchange().expectStatus().isOk().expectBody().returnResult();

        try (RawStream stream = new RawStream(credential, null)) {
            assertThat(stream.contentType()).isEqualTo(writtenContentType());
            Map<String, Object> snapshot = new LinkedHashMap<>();
            snapshot.put("agent", Map.of("agentId", agent.agentId(), "accountId", agent.accountId(), "deviceId", agent.deviceId()));
            snapshot.put("settings", AgentConfigurationStreams.settings(state.of(account), signIn));
            snapshot.put("exceptions", AgentConfigurationStreams.exceptions(state.exceptionsOf(account)));
            assertThat(stream.nextEvent()).isEqualTo(written(ServerSentEvent.builder().id("s1.e0").event("configuration").data(snapshot).build()));

            http.put().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("domains", List.of("intranet.example"), "ipRanges", List.of()))
                    .exchange().expectStatus().isOk().expectBody().returnResult();
            assertThat(stream.nextEvent()).isEqualTo(written(ServerSentEvent.builder().id("s1.e1").event("exceptions")
                    .data((Object) json.writeValueAsString(AgentConfigurationStreams.exceptions(state.exceptionsOf(account)))).build()));
        }

        try (RawStream resumed = new RawStream(credential, "s0.e0")) {
            assertThat(resumed.nextEvent()).as("behind on both: its settings event is its own (s1.e0), not the shared s1.e1")
                    .isEqualTo(written(ServerSentEvent.builder().id("s1.e0").event("settings")
                            .data((Object) json.writeValueAsString(AgentConfigurationStreams.settings(state.of(account), signIn))).build()));
            assertThat(resumed.nextEvent()).isEqualTo(written(ServerSentEvent.builder().id("s1.e1").event("exceptions")
                    .data((Object) json.writeValueAsString(AgentConfigurationStreams.exceptions(state.exceptionsOf(account)))).build()));
        }
    }

    private String written(ServerSentEvent<Object> event) {
        MockServerHttpResponse response = write(event);
        return DataBufferUtils.join(response.getBody()).map(buffer -> buffer.toString(StandardCharsets.UTF_8)).block();
    }

    private String writtenContentType() {
        return write(ServerSentEvent.builder().comment("x").build()).getHeaders().getFirst("Content-Type");
    }

    @SuppressWarnings("unchecked")
    private MockServerHttpResponse write(ServerSentEvent<Object> event) {
        ResolvableType type = ResolvableType.forClassWithGenerics(ServerSentEvent.class, Object.class);
        HttpMessageWriter<Object> writer = (HttpMessageWriter<Object>) codecs.getWriters().stream()
                .filter(candidate -> candidate.canWrite(type, MediaType.TEXT_EVENT_STREAM)).findFirst().orElseThrow();
        MockServerHttpResponse response = new MockServerHttpResponse();
        writer.write(Flux.just(event), type, MediaType.TEXT_EVENT_STREAM, response, Map.of()).block();
        return response;
    }

    /** The stream as bytes, read with the JDK's client: no SSE parser between the wire and the test. */
    private final class RawStream implements AutoCloseable {

        private final HttpResponse<InputStream> response;

        RawStream(String credential, String lastEventId) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/agent/v1/configuration"))
                    .header("Authorization", "Bearer " + credential).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
        }

        String contentType() {
            return response.headers().firstValue("Content-Type").orElse(null);
        }

        /**
         * The bytes of the next event, up to and including the blank line that ends it. A keep-alive comment, which the
         * service writes to every stream on its own clock and a client ignores, is passed over: it is not an event.
         */
        String nextEvent() throws Exception {
            String frame = nextFrame();
            while (frame.startsWith(":") && frame.lines().allMatch(line -> line.isEmpty() || line.startsWith(":"))) {
                frame = nextFrame();
            }
            return frame;
        }

        private String nextFrame() throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    ByteArrayOutputStream event = new ByteArrayOutputStream();
                    InputStream body = response.body();
                    int previous = -1;
                    int next;
                    while ((next = body.read()) != -1) {
                        event.write(next);
                        if (next == '\n' && previous == '\n') {
                            return event.toString(StandardCharsets.UTF_8);
                        }
                        previous = next;
                    }
                    return event.toString(StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(20, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            response.body().close();
        }
    }
}
