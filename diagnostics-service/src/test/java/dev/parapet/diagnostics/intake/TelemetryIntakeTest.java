package dev.parapet.diagnostics.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.diagnostics.DiagnosticsServiceSpringTest;
import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.schemas.v1.telemetry.AgentStatusReport;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import dev.parapet.schemas.v1.telemetry.ConfigurationSource;
import dev.parapet.schemas.v1.telemetry.ProtectionState;
import dev.parapet.schemas.v1.telemetry.TelemetryKind;
import dev.parapet.schemas.v1.telemetry.UserIdentification;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;

@DiagnosticsServiceSpringTest
class TelemetryIntakeTest {

    @LocalServerPort
    int port;

    @Autowired
    AgentCredentialVerifier credentials;

    @Autowired
    MeterRegistry meters;

    WebTestClient http;
    TestAgents agents;
    UUID account;
    UUID agent;
    String credential;

    @BeforeEach
    void enrol() throws Exception {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        agents = new TestAgents();
        account = UUID.randomUUID();
        agent = UUID.randomUUID();
        agents.key(account, 1, KeyStatus.ACTIVE);
        credential = agents.agent(account, agent, 1);
        TestAgents.awaitAccepted(credentials, credential);
    }

    @AfterEach
    void close() {
        agents.close();
    }

    /** A good heartbeat, with only the required fields. */
    private static Map<String, Object> heartbeat() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("agentVersion", "4.2.1");
        report.put("osName", "Windows");
        report.put("osVersion", "11 23H2");
        report.put("enabled", true);
        report.put("agentClock", "2026-03-01T10:15:30Z");
        report.put("lastConfigVersionApplied", 7);
        return report;
    }

    private static Map<String, Object> batch(Object... reports) {
        return Map.of("reports", List.of(reports));
    }

    private WebTestClient.ResponseSpec post(String credential, Object body) {
        return http.post().uri(TelemetryController.PATH).headers(h -> h.setBearerAuth(credential))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private double count(String name) {
        return meters.counter("parapet.diagnostics.telemetry." + name).count();
    }

    @Test
    void aGoodBatchIsWrittenAsTheCredentialsAgentWhateverTheBodyNames() {
        Map<String, Object> heartbeat = heartbeat();
        heartbeat.put("accountId", UUID.randomUUID().toString());
        heartbeat.put("agentId", UUID.randomUUID().toString());
        Map<String, Object> report = heartbeat();
        report.putAll(Map.of("kind", "DIAGNOSTIC_REPORT", "agentVersion", "4.3.0.12-beta.2", "osEdition", "Enterprise",
                "protectionState", "DISABLED", "signedInUser", " Jane.Doe@Example.COM ", "userIdentifiedBy", "SSO",
                "agentClock", 1_772_360_130_123L, "configurationSource", "CACHED",
                "lastTestBlocking", Map.of("testedAt", "2026-03-01T10:00:00+01:00", "blockedNameBlocked", true,
                        "allowedNameResolved", false, "detail", "allowed name timed out"),
                "lastErrors", List.of("upstream timeout", "certificate expired")));
        double acceptedBefore = count("accepted");
        Instant sent = Instant.now();

        IntakeResponse response = post(credential, batch(heartbeat, report))
                .expectStatus().isOk().expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(IntakeResponse.class).returnResult().getResponseBody();

        assertThat(response.accepted()).isEqualTo(2);
        assertThat(response.refused()).isZero();
        assertThat(response.results()).extracting(IntakeResponse.Result::index).containsExactly(0, 1);
        assertThat(response.results()).allSatisfy(result -> {
            assertThat(result.status()).isEqualTo(IntakeResponse.Status.ACCEPTED);
            assertThat(result.errors()).isNull();
        });
        assertThat(count("accepted") - acceptedBefore).isEqualTo(2);

        List<AgentTelemetry> written = written(account, agent);
        assertThat(written).extracting(AgentTelemetry::getEventId)
                .containsExactly(response.results().get(0).eventId(), response.results().get(1).eventId());
        assertThat(written).allSatisfy(record -> {
            assertThat(record.getAccountId()).isEqualTo(account);
            assertThat(record.getAgentId()).isEqualTo(agent);
            assertThat(record.getReceivedAt()).isBetween(sent.minusSeconds(1), Instant.now());
        });

        AgentTelemetry first = written.get(0);
        assertThat(first.getKind()).isEqualTo(TelemetryKind.HEARTBEAT);
        assertThat(first.getLastErrors()).isEmpty();
        AgentStatusReport minimal = first.getStatus();
        assertThat(minimal.getAgentVersion()).isEqualTo("4.2.1");
        assertThat(minimal.getOsName()).isEqualTo("Windows");
        assertThat(minimal.getOsEdition()).isNull();
        assertThat(minimal.getOsVersion()).isEqualTo("11 23H2");
        assertThat(minimal.getEnabled()).isTrue();
        assertThat(minimal.getProtectionState()).isEqualTo(ProtectionState.PROTECTED);
        assertThat(minimal.getSignedInUser()).isNull();
        assertThat(minimal.getUserIdentifiedBy()).isEqualTo(UserIdentification.NONE);
        assertThat(minimal.getAgentClock()).isEqualTo(Instant.parse("2026-03-01T10:15:30Z"));
        assertThat(minimal.getLastConfigVersionApplied()).isEqualTo(7);
        assertThat(minimal.getConfigurationSource()).isNull();
        assertThat(minimal.getLastTestBlocking()).isNull();

        AgentTelemetry second = written.get(1);
        assertThat(second.getKind()).isEqualTo(TelemetryKind.DIAGNOSTIC_REPORT);
        assertThat(second.getLastErrors()).containsExactly("upstream timeout", "certificate expired");
        AgentStatusReport full = second.getStatus();
        assertThat(full.getAgentVersion()).isEqualTo("4.3.0.12-beta.2");
        assertThat(full.getOsEdition()).isEqualTo("Enterprise");
        assertThat(full.getProtectionState()).isEqualTo(ProtectionState.DISABLED);
        assertThat(full.getSignedInUser()).isEqualTo("jane.doe@example.com");
        assertThat(full.getUserIdentifiedBy()).isEqualTo(UserIdentification.SSO);
        assertThat(full.getAgentClock()).isEqualTo(Instant.ofEpochMilli(1_772_360_130_123L));
        assertThat(full.getConfigurationSource()).isEqualTo(ConfigurationSource.CACHED);
        assertThat(full.getLastTestBlocking().getTestedAt()).isEqualTo(Instant.parse("2026-03-01T09:00:00Z"));
        assertThat(full.getLastTestBlocking().getBlockedNameBlocked()).isTrue();
        assertThat(full.getLastTestBlocking().getAllowedNameResolved()).isFalse();
        assertThat(full.getLastTestBlocking().getDetail()).isEqualTo("allowed name timed out");
    }

    @Test
    void aBadReportIsRefusedFieldByFieldAndTheGoodOneOfItsBatchIsWritten() {
        Map<String, Object> bad = heartbeat();
        bad.remove("osVersion");
        bad.putAll(Map.of("agentVersion", "v4", "osName", "Win\u0007dows", "enabled", "yes", "protectionState", "ASLEEP",
                "userIdentifiedBy", "SSO", "agentClock", "yesterday", "lastConfigVersionApplied", -1,
                "lastTestBlocking", Map.of("blockedNameBlocked", true, "allowedNameResolved", true, "detail", 42),
                "lastErrors", List.of("only diagnostic reports carry errors")));
        Map<String, Object> badUser = heartbeat();
        badUser.putAll(Map.of("signedInUser", "jane doe", "lastErrors", List.of("x".repeat(501)), "kind", "DIAGNOSTIC_REPORT"));
        double refusedBefore = count("refused");

        IntakeResponse response = post(credential, batch(heartbeat(), bad, "not a report", badUser))
                .expectStatus().isOk().expectBody(IntakeResponse.class).returnResult().getResponseBody();

        assertThat(response.accepted()).isEqualTo(1);
        assertThat(response.refused()).isEqualTo(3);
        assertThat(response.results()).extracting(IntakeResponse.Result::status).containsExactly(IntakeResponse.Status.ACCEPTED,
                IntakeResponse.Status.REFUSED, IntakeResponse.Status.REFUSED, IntakeResponse.Status.REFUSED);
        IntakeResponse.Result refused = response.results().get(1);
        assertThat(refused.eventId()).isNull();
        assertThat(refused.errors()).extracting(error -> error.field()).containsExactlyInAnyOrder(
                "reports[1].agentVersion", "reports[1].osName", "reports[1].osVersion", "reports[1].enabled",
                "reports[1].protectionState", "reports[1].userIdentifiedBy", "reports[1].agentClock",
                "reports[1].lastConfigVersionApplied", "reports[1].lastTestBlocking.testedAt",
                "reports[1].lastTestBlocking.detail", "reports[1].lastErrors");
        assertThat(refused.errors()).allSatisfy(error -> assertThat(error.reason()).isNotBlank());
        assertThat(refused.errors()).filteredOn(error -> error.field().equals("reports[1].osVersion"))
                .singleElement().satisfies(error -> assertThat(error.reason()).isEqualTo("required"));
        assertThat(refused.errors()).filteredOn(error -> error.field().equals("reports[1].osName"))
                .singleElement().satisfies(error -> assertThat(error.reason()).contains("control character U+0007"));
        assertThat(response.results().get(2).errors()).extracting(error -> error.field()).containsExactly("reports[2]");
        assertThat(response.results().get(3).errors()).extracting(error -> error.field())
                .containsExactlyInAnyOrder("reports[3].signedInUser", "reports[3].lastErrors[0]");
        assertThat(count("refused") - refusedBefore).isEqualTo(3);

        List<AgentTelemetry> written = written(account, agent);
        assertThat(written).extracting(AgentTelemetry::getEventId).containsExactly(response.results().get(0).eventId());
    }

    @Test
    void aMissingGarbageOrRevokedCredentialIsRefusedWith401() throws Exception {
        Map<String, Object> body = batch(heartbeat());
        http.post().uri(TelemetryController.PATH).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isUnauthorized().expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(401);
        post("pac1.garbage", body).expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
        http.post().uri(TelemetryController.PATH).header("Authorization", "Basic " + credential)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isUnauthorized().expectBody().returnResult();
        post(credential, body).expectStatus().isOk().expectBody().returnResult();

        long revoked = System.nanoTime();
        agents.key(account, 1, KeyStatus.REVOKED);
        while (post(credential, body).expectBody().returnResult().getStatus().value() != 401) {
            assertThat(Duration.ofNanos(System.nanoTime() - revoked)).as("refused within 1 s").isLessThan(Duration.ofSeconds(1));
        }
        System.out.println("telemetry of a revoked key's agent refused " + (System.nanoTime() - revoked) / 1_000_000
                + " ms after the REVOKED record was written");
        post(credential, body).expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.title").isEqualTo("Agent credential refused");
    }

    @Test
    void aBodyThatIsNotABatchIsRefusedWhole() {
        post(credential, "{\"reports\":[{\"agentVersion\":").expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).startsWith("The body is not JSON"));
        post(credential, "[]").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("JSON object"));
        post(credential, Map.of("items", List.of(heartbeat()))).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("reports");
        post(credential, "{\"reports\":[],\"reports\":[]}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("Duplicate"));
        assertThat(written(account, agent)).isEmpty();
    }

    @Test
    void aBatchOfNoneOrOfMoreThan100ReportsIsRefusedWhole() {
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i <= TelemetryBatch.MAX_REPORTS; i++) {
            many.add(heartbeat());
        }
        post(credential, Map.of("reports", many)).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("reports")
                .jsonPath("$.errors[0].reason").value(reason -> assertThat((String) reason).contains("not 101"));
        post(credential, Map.of("reports", List.of())).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("reports");
        post(credential, Map.of("reports", many.subList(0, TelemetryBatch.MAX_REPORTS))).expectStatus().isOk()
                .expectBody().jsonPath("$.accepted").isEqualTo(TelemetryBatch.MAX_REPORTS);
    }

    @Test
    void aBodyDeclaredOver256KiBIsRefusedWith413() {
        Map<String, Object> padded = heartbeat();
        padded.put("padding", "x".repeat(TelemetryBatch.MAX_BODY_BYTES));
        post(credential, batch(padded)).expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("256 KiB"));
        assertThat(written(account, agent)).isEmpty();
    }

    @Test
    void aChunkedBodyOver256KiBIsRefusedWith413() {
        byte[] chunk = ("{\"reports\":[{\"padding\":\"" + "x".repeat(64 * 1024)).getBytes(StandardCharsets.UTF_8);
        Flux<DataBuffer> chunked = Flux.range(0, 5).map(i -> DefaultDataBufferFactory.sharedInstance.wrap(chunk));
        http.post().uri(TelemetryController.PATH).headers(h -> h.setBearerAuth(credential))
                .contentType(MediaType.APPLICATION_JSON).body(chunked, DataBuffer.class).exchange()
                .expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody().returnResult();
        assertThat(written(account, agent)).isEmpty();
    }

    @Test
    void anAgentWritesOnlyForItsOwnAccountAndAgent() throws Exception {
        UUID otherAccount = UUID.randomUUID();
        UUID otherAgent = UUID.randomUUID();
        agents.key(otherAccount, 1, KeyStatus.ACTIVE);
        String otherCredential = agents.agent(otherAccount, otherAgent, 1);
        TestAgents.awaitAccepted(credentials, otherCredential);
        Map<String, Object> impersonating = heartbeat();
        impersonating.putAll(Map.of("accountId", otherAccount.toString(), "agentId", otherAgent.toString()));

        post(credential, batch(impersonating)).expectStatus().isOk().expectBody().jsonPath("$.accepted").isEqualTo(1);
        post(otherCredential, batch(heartbeat())).expectStatus().isOk().expectBody().jsonPath("$.accepted").isEqualTo(1);

        List<AgentTelemetry> mine = written(account, agent);
        assertThat(mine).singleElement().satisfies(record -> {
            assertThat(record.getAccountId()).isEqualTo(account);
            assertThat(record.getAgentId()).isEqualTo(agent);
        });
        List<AgentTelemetry> theirs = written(otherAccount, otherAgent);
        assertThat(theirs).singleElement().satisfies(record -> assertThat(record.getAccountId()).isEqualTo(otherAccount));
    }

    /** The agent's records, under its account's key (the intake keys telemetry by account; never by agent). */
    private static List<AgentTelemetry> written(UUID account, UUID agent) {
        assertThat(TopicRecords.valuesFor(Topics.AGENT_TELEMETRY.name(), agent.toString())).isEmpty();
        return TopicRecords.<AgentTelemetry>valuesFor(Topics.AGENT_TELEMETRY.name(), account.toString()).stream()
                .filter(record -> record.getAgentId().equals(agent)).toList();
    }
}
