package dev.parapet.settings;

import dev.parapet.kit.testing.TestAgents;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.stack.RealInfrastructure;

@SettingsServiceSpringTest
class AgentConfigurationStreamTest {

    @LocalServerPort
    int port;

    WebTestClient http;
    TestAgents agents;
    UUID account;
    String admin;

    @BeforeEach
    void connect() throws Exception {
        http = WebTestClient.bindToServer().baseUrl(base()).responseTimeout(Duration.ofSeconds(30)).build();
        agents = new TestAgents();
        account = UUID.randomUUID();
        admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
        agents.key(account, 1, KeyStatus.ACTIVE);
    }

    @AfterEach
    void close() {
        agents.close();
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private void putSettings(boolean manageUpdates) {
        http.put().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("userAuthentication", true, "enforceUserAuthentication", false, "manageUpdates", manageUpdates))
                .exchange().expectStatus().isOk().expectBody().returnResult();
    }

    private void putExceptions(List<String> domains) {
        http.put().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("domains", domains, "ipRanges", List.of()))
                .exchange().expectStatus().isOk().expectBody().returnResult();
    }

    @Test
    void theStreamSendsTheSnapshotThenEveryChangeAndResumesExactly() throws Exception {
        String credential = agents.agent(account, UUID.randomUUID(), 1);
        putSettings(true);
        String lastId;
        try (SseClient stream = SseClient.openWhenAccepted(base(), credential)) {
            ServerSentEvent<String> snapshot = stream.next();
            assertThat(snapshot.event()).isEqualTo("configuration");
            assertThat(snapshot.id()).isEqualTo("s1.e0");
            assertThat(snapshot.data()).contains("\"manageUpdates\":true").contains("\"local\"").contains(account.toString());

            putExceptions(List.of("intranet.example"));
            ServerSentEvent<String> exceptions = stream.next();
            assertThat(exceptions.event()).isEqualTo("exceptions");
            assertThat(exceptions.id()).isEqualTo("s1.e1");
            assertThat(exceptions.data()).contains("intranet.example");
            lastId = exceptions.id();

            http.post().uri("/api/v1/accounts/{a}/tamper-protection/password", account)
                    .headers(h -> h.setBearerAuth(admin)).exchange().expectStatus().is2xxSuccessful().expectBody().returnResult();
            ServerSentEvent<String> tamper = stream.next();
            assertThat(tamper.id()).isEqualTo("s2.e1");
            assertThat(tamper.data()).contains("PBKDF2").doesNotContain("encrypted");
        }
        putSettings(false);
        putExceptions(List.of("intranet.example", "corp.example"));
        try (SseClient resumed = new SseClient(base(), credential, lastId)) {
            ServerSentEvent<String> settings = resumed.next();
            assertThat(settings.event()).isEqualTo("settings");
            assertThat(settings.id()).isEqualTo("s3.e1");
            assertThat(settings.data()).contains("\"manageUpdates\":false");
            ServerSentEvent<String> exceptions = resumed.next();
            assertThat(exceptions.event()).isEqualTo("exceptions");
            assertThat(exceptions.id()).isEqualTo("s3.e2");
            assertThat(resumed.next(Duration.ofMillis(700))).as("nothing already seen is sent again").isNull();
        }
        try (SseClient upToDate = new SseClient(base(), credential, "s3.e2")) {
            assertThat(upToDate.next(Duration.ofMillis(700))).as("an agent that is up to date gets nothing").isNull();
            putSettings(true);
            assertThat(upToDate.next().id()).isEqualTo("s4.e2");
        }
    }

    @Test
    void aRevokedAgentIsRefusedAndItsOpenStreamClosedWithinOneSecond() throws Exception {
        String credential = agents.agent(account, UUID.randomUUID(), 1);
        try (SseClient stream = SseClient.openWhenAccepted(base(), credential)) {
            assertThat(stream.next().event()).isEqualTo("configuration");
            long deleted = System.nanoTime();
            agents.key(account, 1, KeyStatus.REVOKED);
            ServerSentEvent<String> revoked = stream.next(Duration.ofSeconds(5));
            assertThat(revoked.event()).isEqualTo("revoked");
            assertThat(stream.next(Duration.ofSeconds(1))).isSameAs(SseClient.END);
            Duration closedAfter = Duration.ofNanos(System.nanoTime() - deleted);
            System.out.println("agent stream closed " + closedAfter.toMillis() + " ms after the key's deletion was published");
            assertThat(closedAfter).isLessThan(Duration.ofSeconds(1));
        }
        http.get().uri("/agent/v1/configuration").headers(h -> h.setBearerAuth(credential)).exchange()
                .expectStatus().isUnauthorized().expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().returnResult();
        http.get().uri("/agent/v1/configuration").exchange().expectStatus().isUnauthorized().expectBody().returnResult();
        http.get().uri("/agent/v1/configuration").headers(h -> h.setBearerAuth(admin)).exchange()
                .expectStatus().isUnauthorized().expectBody().returnResult();
    }

    @Test
    void aThirdStreamOfOneAgentEndsItsOldestAndAnAccountsStreamsAreCapped() throws Exception {
        String credential = agents.agent(account, UUID.randomUUID(), 1);
        String second = agents.agent(account, UUID.randomUUID(), 1);
        String third = agents.agent(account, UUID.randomUUID(), 1);
        try (SseClient oldest = SseClient.openWhenAccepted(base(), credential);
             SseClient middle = new SseClient(base(), credential, null)) {
            assertThat(oldest.next().event()).isEqualTo("configuration");
            assertThat(middle.next().event()).isEqualTo("configuration");
            try (SseClient newest = new SseClient(base(), credential, null)) {
                assertThat(newest.next().event()).isEqualTo("configuration");
                ServerSentEvent<String> replaced = oldest.next(Duration.ofSeconds(5));
                assertThat(replaced.event()).isEqualTo("replaced");
                assertThat(oldest.next(Duration.ofSeconds(5))).isSameAs(SseClient.END);
                putSettings(true);
                assertThat(middle.next().event()).isEqualTo("settings");
                assertThat(newest.next().event()).isEqualTo("settings");

                // Two streams of this agent and one of another fill the account's quota (3 in tests): a fourth is refused.
                try (SseClient other = SseClient.openWhenAccepted(base(), second)) {
                    assertThat(other.next().event()).isEqualTo("configuration");
                    http.get().uri("/agent/v1/configuration").headers(h -> h.setBearerAuth(third)).exchange()
                            .expectStatus().isEqualTo(429).expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                            .expectBody().jsonPath("$.limit").isEqualTo(SettingsServiceSpringTest.STREAMS_PER_ACCOUNT)
                            .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("streams-per-account"));
                }
            }
        }
    }
}
