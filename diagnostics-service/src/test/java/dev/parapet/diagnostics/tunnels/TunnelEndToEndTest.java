package dev.parapet.diagnostics.tunnels;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.diagnostics.DiagnosticsServiceSpringTest;
import dev.parapet.diagnostics.Feed;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.tunnels.TunnelDetection;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.RealInfrastructure;

/**
 * Verdicts on the real broker, as dns-service writes them for a laptop running a tunnel (iodine's pattern) beside an
 * office streaming video (a CDN's many long host names): the service's streams find the tunnel, list it for the
 * account's administrators and announce it on the live stream; the office is not flagged; another account sees nothing.
 */
@DiagnosticsServiceSpringTest
class TunnelEndToEndTest {

    @LocalServerPort
    int port;

    static Feed feed;
    private final Random random = new Random(11);

    @BeforeAll
    static void open() {
        feed = new Feed();
    }

    @AfterAll
    static void close() {
        feed.close();
    }

    static String admin(UUID account) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    WebTestClient http() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
    }

    String tunnels(UUID account) {
        return http().get().uri("/api/v1/accounts/{a}/diagnostics/tunnels", account).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    /** The detections of this account on parapet.tunnel-detections.v1, read from the beginning for at most {@code wait}. */
    static List<TunnelDetection> detections(UUID account, Duration wait) {
        var infrastructure = RealInfrastructure.get();
        List<TunnelDetection> found = new ArrayList<>();
        try (KafkaConsumer<String, TunnelDetection> consumer = new KafkaConsumer<>(java.util.Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "tunnel-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), AvroSerdes.<TunnelDetection>deserializer(infrastructure.registryUrl(), false))) {
            consumer.subscribe(List.of(Topics.TUNNEL_DETECTIONS.name()));
            long deadline = System.nanoTime() + wait.toNanos();
            while (found.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, TunnelDetection> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key().startsWith(account + "/") && record.value() != null) {
                        found.add(record.value());
                    }
                }
            }
            // Anything else of the account's, written with it.
            for (ConsumerRecord<String, TunnelDetection> record : consumer.poll(Duration.ofSeconds(2))) {
                if (record.key().startsWith(account + "/") && record.value() != null) {
                    found.add(record.value());
                }
            }
        }
        return found;
    }

    @Test
    void aLaptopTunnellingIsFoundListedAndAnnouncedAndAnOfficeStreamingVideoIsNot() throws Exception {
        UUID account = UUID.randomUUID();
        UUID laptop = UUID.randomUUID();
        long ready = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (http().get().uri("/api/v1/accounts/{a}/diagnostics/tunnels", account).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().returnResult(String.class).getStatus().value() != 200 && System.nanoTime() < ready) {
            Thread.sleep(250); // 503 until the streams have their partitions
        }
        CompletableFuture<String> announced = WebClient.create("http://127.0.0.1:" + port).get()
                .uri("/api/v1/accounts/{a}/diagnostics/live", account).headers(h -> h.setBearerAuth(admin(account)))
                .accept(MediaType.TEXT_EVENT_STREAM).retrieve().bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .filter(event -> "finding".equals(event.event())).map(ServerSentEvent::data).next().toFuture();
        Thread.sleep(1_000);

        Instant start = Instant.now();
        List<DnsVerdict> verdicts = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            String host = TunnelNames.videoCdn(random);
            verdicts.add(DnsVerdict.newBuilder(Feed.verdict(account, start.plusMillis(i), Action.ALLOWED, host, List.of(), null, null, null))
                    .setClientAddress("203.0.113.9").build());
        }
        for (int i = 0; i < 40; i++) {
            String name = TunnelNames.iodine(random, i) + ".t.tunnel.example";
            verdicts.add(DnsVerdict.newBuilder(Feed.verdict(account, start.plusMillis(100L * i), Action.ALLOWED, name, List.of(), null, laptop,
                    "ann@example.com")).setQueryType("NULL").build());
        }
        feed.verdicts(verdicts);
        long published = System.nanoTime();

        String found = null;
        long deadline = published + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            found = tunnels(account);
            if (JsonPath.<Integer>read(found, "$.active") > 0) {
                break;
            }
            Thread.sleep(100);
        }
        System.out.printf("TunnelEndToEndTest: found %d ms after the verdicts were published%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - published));
        assertThat(JsonPath.<Integer>read(found, "$.active")).as(found).isEqualTo(1);
        assertThat(JsonPath.<List<Object>>read(found, "$.findings")).as("the office streaming video is not flagged").hasSize(1);
        assertThat(JsonPath.<String>read(found, "$.findings[0].finding.registeredDomain")).isEqualTo("tunnel.example");
        assertThat(JsonPath.<String>read(found, "$.findings[0].finding.agentId")).isEqualTo(laptop.toString());
        assertThat(JsonPath.<String>read(found, "$.findings[0].finding.userEmail")).isEqualTo("ann@example.com");
        assertThat(JsonPath.<Boolean>read(found, "$.findings[0].active")).isTrue();
        assertThat(JsonPath.<List<String>>read(found, "$.findings[0].finding.examples")).hasSize(3)
                .allMatch(name -> name.endsWith(".t.tunnel.example"));

        String event = announced.get(30, TimeUnit.SECONDS);
        assertThat(JsonPath.<String>read(event, "$.code")).isEqualTo("DNS_TUNNEL");
        assertThat(JsonPath.<Boolean>read(event, "$.raised")).isTrue();
        assertThat(JsonPath.<String>read(event, "$.hostname")).isEqualTo("ann@example.com");
        assertThat(JsonPath.<String>read(event, "$.detail")).contains("tunnel.example", "distinct subdomains");

        // dns-service is told, on the real broker: one detection, of the tunnel's domain, none of the CDN's.
        List<TunnelDetection> told = detections(account, Duration.ofSeconds(30));
        assertThat(told).extracting(TunnelDetection::getRegisteredDomain).containsExactly("tunnel.example");
        assertThat(told.get(0).getLastClient()).isEqualTo("ann@example.com");

        UUID stranger = UUID.randomUUID();
        assertThat(JsonPath.<List<Object>>read(tunnels(stranger), "$.findings")).isEmpty();
        http().get().uri("/api/v1/accounts/{a}/diagnostics/tunnels", account).headers(h -> h.setBearerAuth(admin(stranger)))
                .exchange().expectStatus().isForbidden();
        http().get().uri("/api/v1/accounts/{a}/diagnostics/tunnels?limit=0", account).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isBadRequest();
    }
}
