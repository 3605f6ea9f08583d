package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.schemas.v1.access.AccessRequester;
import dev.parapet.settings.access.AccessRequestsController.AccessRequestView;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.Waits;

/**
 * Access requests end to end in settings-service: raised on the topic as dns-service's block pages raise them,
 * listed for the account's administrators only, approved for a time or declined through the API, audited.
 */
@SettingsServiceSpringTest
class AccessRequestsTest {

    @LocalServerPort
    int port;

    WebTestClient http;
    UUID account;
    String admin;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        account = UUID.randomUUID();
        admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    static void raise(AccessRequestRaised... requests) throws Exception {
        try (KafkaProducer<String, AccessRequestRaised> producer = new KafkaProducer<>(Map.<String, Object>of(
                "bootstrap.servers", RealInfrastructure.get().bootstrapServers()),
                new StringSerializer(), AvroSerdes.<AccessRequestRaised>serializer(RealInfrastructure.get().registryUrl(), false, true))) {
            for (AccessRequestRaised request : requests) {
                producer.send(new ProducerRecord<>(Topics.ACCESS_REQUESTS_RAISED.name(), request.getAccountId().toString(), request)).get();
            }
        }
    }

    AccessRequestRaised raised(UUID accountId, String name, String user) {
        return AccessRequestRaised.newBuilder().setRequestId(UUID.randomUUID()).setAccountId(accountId).setName(name)
                .setReason("Needed for the Leeds campaign").setRequester(new AccessRequester(user, null, "10.1.2.3", null))
                .setPolicyName("Blocked sites").setRaisedAt(Instant.now()).build();
    }

    List<AccessRequestView> list(String status) {
        return http.get().uri("/api/v1/accounts/{a}/access-requests?status={s}", account, status).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<List<AccessRequestView>>() { }).returnResult().getResponseBody();
    }

    @Test
    void aRaisedRequestIsListedThenApprovedForItsTimeOrDeclinedAndEachDecisionIsTheAccountsOwn() throws Exception {
        AccessRequestRaised casino = raised(account, "www.casino.example", "ann@example.com");
        AccessRequestRaised poker = raised(account, "poker.example", "bob@example.com");
        // Another account's request, and a record keyed by another account than its own: neither shows here.
        UUID otherAccount = UUID.randomUUID();
        AccessRequestRaised elsewhere = raised(otherAccount, "elsewhere.example", "carol@example.com");
        raise(casino, poker, elsewhere);
        try (KafkaProducer<String, AccessRequestRaised> producer = new KafkaProducer<>(Map.<String, Object>of(
                "bootstrap.servers", RealInfrastructure.get().bootstrapServers()),
                new StringSerializer(), AvroSerdes.<AccessRequestRaised>serializer(RealInfrastructure.get().registryUrl(), false, true))) {
            producer.send(new ProducerRecord<>(Topics.ACCESS_REQUESTS_RAISED.name(), account.toString(),
                    raised(otherAccount, "misfiled.example", "eve@example.com"))).get();
        }
        Waits.until("both requests listed", Duration.ofSeconds(30), () -> list("pending").size() == 2);
        assertThat(list("all")).extracting(AccessRequestView::name).containsExactlyInAnyOrder("www.casino.example", "poker.example");
        AccessRequestView waiting = list("pending").stream().filter(r -> r.name().equals("www.casino.example")).findFirst().orElseThrow();
        assertThat(waiting.requester().userEmail()).isEqualTo("ann@example.com");
        assertThat(waiting.reason()).isEqualTo("Needed for the Leeds campaign");
        assertThat(waiting.policyName()).isEqualTo("Blocked sites");

        // Approve: a bad duration is shown against its field; then an hour from now.
        http.post().uri("/api/v1/accounts/{a}/access-requests/{r}/approve", account, waiting.requestId()).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("minutes", 1)).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("minutes");
        Instant before = Instant.now();
        AccessRequestView approved = http.post().uri("/api/v1/accounts/{a}/access-requests/{r}/approve", account, waiting.requestId())
                .headers(h -> {
                    h.setBearerAuth(admin);
                    h.setIfMatch("\"v1\"");
                }).contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("minutes", 60, "note", "Campaign week")).exchange()
                .expectStatus().isOk().expectHeader().valueEquals("ETag", "\"v2\"")
                .expectBody(AccessRequestView.class).returnResult().getResponseBody();
        assertThat(approved.status()).isEqualTo("APPROVED");
        assertThat(approved.allowUntil()).isBetween(before.plus(Duration.ofMinutes(59)), Instant.now().plus(Duration.ofMinutes(61)));
        assertThat(approved.note()).isEqualTo("Campaign week");
        // Approved once is approved: a second approval is a conflict; declining it ends it now.
        http.post().uri("/api/v1/accounts/{a}/access-requests/{r}/approve", account, waiting.requestId()).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("minutes", 60)).exchange().expectStatus().isEqualTo(409);
        AccessRequestView other = list("pending").get(0);
        http.post().uri("/api/v1/accounts/{a}/access-requests/{r}/decline", account, other.requestId()).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("DECLINED");
        assertThat(list("approved")).extracting(AccessRequestView::name).containsExactly("www.casino.example");
        assertThat(list("declined")).extracting(AccessRequestView::name).containsExactly("poker.example");
        http.get().uri("/api/v1/accounts/{a}/access-requests?status=maybe", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectStatus().isBadRequest();

        // Another account's administrator, and a read-only one, are refused.
        String stranger = RealInfrastructure.get().tokens().adminToken("x@example.com", otherAccount, "SUPER_ADMIN", Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/access-requests", account).headers(h -> h.setBearerAuth(stranger)).exchange()
                .expectStatus().isForbidden();
        String reader = RealInfrastructure.get().tokens().customRoleToken("r@example.com", account, List.of("web-security:read"),
                Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/access-requests", account).headers(h -> h.setBearerAuth(reader)).exchange()
                .expectStatus().isOk();
        http.post().uri("/api/v1/accounts/{a}/access-requests/{r}/decline", account, waiting.requestId())
                .headers(h -> h.setBearerAuth(reader)).exchange().expectStatus().isForbidden();
    }
}
