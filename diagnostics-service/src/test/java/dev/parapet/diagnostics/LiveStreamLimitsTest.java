package dev.parapet.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import dev.parapet.stack.RealInfrastructure;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/** The bounds of administrators' live streams: how many an account may hold, and how long a token keeps one open. */
@DiagnosticsServiceSpringTest
class LiveStreamLimitsTest {

    @LocalServerPort
    int port;

    private static String admin(UUID account, Duration lifetime) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", lifetime);
    }

    /** Connections of their own: the shared pool holds fewer than the twenty-one streams a test opens at once. */
    private static final ReactorClientHttpConnector UNPOOLED = new ReactorClientHttpConnector(HttpClient.newConnection());

    private Flux<ServerSentEvent<String>> live(UUID account, String token) {
        return WebClient.builder().clientConnector(UNPOOLED).baseUrl("http://127.0.0.1:" + port).build().get().uri("/api/v1/accounts/{a}/diagnostics/live", account)
                .headers(h -> h.setBearerAuth(token)).accept(MediaType.TEXT_EVENT_STREAM).retrieve()
                .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { });
    }

    private WebTestClient.ResponseSpec oneMore(UUID account, String token) {
        return WebTestClient.bindToServer(UNPOOLED).baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build()
                .get().uri("/api/v1/accounts/{a}/diagnostics/live", account).headers(h -> h.setBearerAuth(token)).exchange();
    }

    /** The first event of a new stream, retried while the service is still starting (503). */
    private ServerSentEvent<String> firstEvent(UUID account, String token) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            ServerSentEvent<String> first = live(account, token).onErrorResume(e -> Flux.empty()).blockFirst(Duration.ofSeconds(20));
            if (first != null) {
                return first;
            }
            Thread.sleep(200);
        }
        return null;
    }

    @BeforeEach
    void awaitReady() throws InterruptedException {
        UUID account = UUID.randomUUID();
        assertThat(firstEvent(account, admin(account, Duration.ofMinutes(1)))).as("live streams are served").isNotNull();
    }

    @Test
    void anAccountHoldsAtMostTwentyLiveStreams() throws Exception {
        UUID account = UUID.randomUUID();
        String token = admin(account, Duration.ofMinutes(10));
        CountDownLatch started = new CountDownLatch(20);
        List<Disposable> open = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
                open.add(live(account, token).subscribe(event -> {
                    if (first.getAndSet(false)) {
                        started.countDown();
                    }
                }));
            }
            assertThat(started.await(30, TimeUnit.SECONDS)).as("twenty streams open").isTrue();
            oneMore(account, token).expectStatus().isEqualTo(429)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.limit").isEqualTo(20)
                    .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("live-streams-per-account"));
            String stranger = admin(UUID.randomUUID(), Duration.ofMinutes(10));
            assertThat(live(accountOf(stranger), stranger).blockFirst(Duration.ofSeconds(20)).event())
                    .as("another account is not affected").isEqualTo("counters");

            open.remove(0).dispose();
            assertThat(firstEvent(account, token)).as("a closed stream frees its place").isNotNull();
        } finally {
            open.forEach(Disposable::dispose);
        }
    }

    private static UUID accountOf(String token) {
        String payload = new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        return UUID.fromString(com.jayway.jsonpath.JsonPath.read(payload, "$.account"));
    }

    @Test
    void theStreamEndsWithTokenExpiredWhenTheTokenExpires() {
        UUID account = UUID.randomUUID();
        String token = admin(account, Duration.ofSeconds(4));
        long started = System.nanoTime();
        List<ServerSentEvent<String>> events = live(account, token).collectList().block(Duration.ofSeconds(30));
        Duration lasted = Duration.ofNanos(System.nanoTime() - started);
        System.out.println("a live stream opened with a 4 s token ended after " + lasted.toMillis() + " ms");
        assertThat(events).isNotEmpty();
        assertThat(events.get(0).event()).isEqualTo("counters");
        ServerSentEvent<String> last = events.get(events.size() - 1);
        assertThat(last.event()).isEqualTo("token-expired");
        assertThat(last.data()).contains("sign in again");
        assertThat(lasted).isLessThan(Duration.ofSeconds(6));

        // Within the token decoder's clock-skew allowance the expired token may still open a stream: it ends at once.
        long reopened = System.nanoTime();
        List<ServerSentEvent<String>> again = live(account, token).onErrorResume(e -> Flux.empty()).collectList()
                .block(Duration.ofSeconds(30));
        assertThat(Duration.ofNanos(System.nanoTime() - reopened)).isLessThan(Duration.ofSeconds(3));
        assertThat(again).allSatisfy(event -> assertThat(event.event()).isIn("counters", "token-expired"));
    }
}
