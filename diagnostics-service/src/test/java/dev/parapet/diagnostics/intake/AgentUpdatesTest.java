package dev.parapet.diagnostics.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.diagnostics.DiagnosticsServiceSpringTest;
import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.schemas.v1.keys.KeyStatus;

/** {@code GET /agent/v1/updates}: the published agent version, for agents only. */
@DiagnosticsServiceSpringTest
class AgentUpdatesTest {

    @LocalServerPort
    int port;

    @Autowired
    AgentCredentialVerifier credentials;

    WebTestClient http;
    TestAgents agents;
    UUID account;
    String credential;

    @BeforeEach
    void enrol() throws Exception {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        agents = new TestAgents();
        account = UUID.randomUUID();
        agents.key(account, 1, KeyStatus.ACTIVE);
        credential = agents.agent(account, UUID.randomUUID(), 1);
        TestAgents.awaitAccepted(credentials, credential);
    }

    @AfterEach
    void close() {
        agents.close();
    }

    private WebTestClient.ResponseSpec get(String authorization) {
        WebTestClient.RequestHeadersSpec<?> request = http.get().uri(UpdatesController.PATH);
        if (authorization != null) {
            request = request.header("Authorization", authorization);
        }
        return request.exchange();
    }

    @Test
    void anEnrolledAgentIsToldTheLatestPublishedVersion() {
        get("Bearer " + credential).expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody().json("{\"latestVersion\":\"1.2.0\"}");
    }

    @Test
    void aMissingGarbageOrRevokedCredentialIsRefusedWith401() throws Exception {
        get(null).expectStatus().isUnauthorized().expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.title").isEqualTo("Agent credential refused");
        get("Bearer pac1.garbage").expectStatus().isUnauthorized();
        get("Basic " + credential).expectStatus().isUnauthorized();

        agents.key(account, 1, KeyStatus.REVOKED);
        long revoked = System.nanoTime();
        while (get("Bearer " + credential).expectBody().returnResult().getStatus().value() != 401) {
            assertThat(Duration.ofNanos(System.nanoTime() - revoked)).as("refused within 1 s").isLessThan(Duration.ofSeconds(1));
        }
    }
}
