package dev.parapet.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.keys.api.EnrolmentController;
import dev.parapet.keys.api.KeyController;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import reactor.netty.http.client.HttpClient;

/**
 * The enrolment rate limit and the audit trail name the client, also behind a load balancer: real
 * connections from distinct loopback addresses, 127.0.0.2 being the trusted proxy
 * ({@code parapet.web.trusted-proxies}) and 127.0.0.3 anybody else.
 */
@KeyServiceSpringTest
class EnrolmentClientAddressTest {

    private static final int LIMIT = KeyServiceSpringTest.PER_ADDRESS;

    @LocalServerPort
    int port;

    WebTestClient fromProxy;
    WebTestClient fromStranger;

    @BeforeEach
    void connect() {
        fromProxy = clientFrom(KeyServiceSpringTest.TRUSTED_PROXY);
        fromStranger = clientFrom("127.0.0.3");
    }

    private WebTestClient clientFrom(String source) {
        HttpClient connections = HttpClient.newConnection().bindAddress(() -> new InetSocketAddress(source, 0));
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(connections)).baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
    }

    /** An attempt with a key that is not one (refused with 401 unless rate limited first), forwarded for the given client. */
    private static int attempt(WebTestClient http, String forwardedFor) {
        return http.post().uri("/agent/v1/enrolments").contentType(MediaType.APPLICATION_JSON)
                .headers(h -> {
                    if (forwardedFor != null) {
                        h.add("X-Forwarded-For", forwardedFor);
                    }
                })
                .bodyValue(Map.of("key", "not-a-key-" + UUID.randomUUID(), "deviceId", "d", "hostname", "h",
                        "osName", "Linux", "osVersion", "6", "agentVersion", "1.0.0"))
                .exchange().returnResult(String.class).getStatus().value();
    }

    private static List<Integer> attempts(WebTestClient http, int count, IntFunction<String> forwardedFor) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(attempt(http, forwardedFor.apply(i)));
        }
        return statuses;
    }

    /**
     * Attempts until one is refused (429), or until more have been let through than the limit and what the bucket
     * refilled meanwhile (it refills continuously, {@code LIMIT} a minute: on a loaded machine 51 attempts can take
     * longer than the 1.2 s in which one token comes back).
     */
    private static List<Integer> untilRefused(WebTestClient http, IntFunction<String> forwardedFor) {
        long start = System.nanoTime();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; ; i++) {
            int status = attempt(http, forwardedFor.apply(i));
            statuses.add(status);
            long refilled = (System.nanoTime() - start) * LIMIT / 60_000_000_000L;
            if (status == 429 || i >= LIMIT + refilled) {
                return statuses;
            }
        }
    }

    @Test
    void aStrangersForwardedForIsIgnoredSoSpoofingDoesNotEscapeItsLimit() {
        List<Integer> statuses = untilRefused(fromStranger, i -> "198.51.100." + (i % 250) + ", 10.0.0." + i);
        assertThat(statuses.subList(0, LIMIT)).containsOnly(401);
        assertThat(statuses.get(statuses.size() - 1)).as("one source, whatever it claims").isEqualTo(429);
    }

    @Test
    void aTrustedProxysClientsAreLimitedEachOnTheirOwnAndNotAsTheProxy() {
        List<Integer> distinctClients = attempts(fromProxy, LIMIT + 1, i -> "6.6.6.6, 203.0.113." + i);
        assertThat(distinctClients).as("%d clients behind one balancer", LIMIT + 1).containsOnly(401);

        List<Integer> oneClient = untilRefused(fromProxy, i -> "203.0.114." + i + ", 192.0.2.44");
        assertThat(oneClient.subList(0, LIMIT)).containsOnly(401);
        assertThat(oneClient.get(oneClient.size() - 1)).as("the client's own limit, whatever it wrote to the left").isEqualTo(429);

        List<Integer> oneSlash64 = untilRefused(fromProxy, i -> "2001:db8:5:6::" + Integer.toHexString(i + 1));
        assertThat(oneSlash64.get(oneSlash64.size() - 1)).as("rotating IPv6 addresses of one /64").isEqualTo(429);

        assertThat(attempt(fromProxy, null)).as("the balancer's own requests have their own bucket").isEqualTo(401);
    }

    @Test
    void theAuditTrailRecordsTheClientBehindTheProxy() {
        UUID account = UUID.randomUUID();
        String admin = KeyServiceTest.token(account, "SUPER_ADMIN");
        WebTestClient http = KeyServiceTest.client(port);
        http.post().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(admin)).exchange().expectStatus().isCreated();
        String key = http.get().uri("/api/v1/accounts/{a}/key?reveal=true", account).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isOk().expectBody(KeyController.KeyView.class).returnResult().getResponseBody().key();

        EnrolmentController.Enrolment enrolled = fromProxy.post().uri("/agent/v1/enrolments").contentType(MediaType.APPLICATION_JSON)
                .header("X-Forwarded-For", "203.0.113.77")
                .bodyValue(Map.of("key", key, "deviceId", "behind-proxy", "hostname", "h", "osName", "Linux",
                        "osVersion", "6", "agentVersion", "1.0.0"))
                .exchange().expectStatus().isCreated().expectBody(EnrolmentController.Enrolment.class).returnResult().getResponseBody();

        List<AuditEvent> audit = TopicRecords.valuesFor(Topics.AUDIT.name(), account.toString());
        assertThat(audit).filteredOn(event -> event.getAction().equals("agent.enrol")).singleElement().satisfies(event -> {
            assertThat(event.getResourceId()).isEqualTo(enrolled.agentId().toString());
            assertThat(event.getSourceAddress()).isEqualTo("203.0.113.77");
        });
    }
}
