package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.settings.tamper.TamperProtectionController.TamperProtectionView;
import dev.parapet.stack.RealInfrastructure;

@SettingsServiceSpringTest
class AgentSettingsTest {

    @LocalServerPort
    int port;

    WebTestClient http;
    UUID account;
    String admin;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        account = UUID.randomUUID();
        admin = token(account, "SUPER_ADMIN");
    }

    private static String token(UUID account, String role) {
        return RealInfrastructure.get().tokens().adminToken(role.toLowerCase() + "@example.com", account, role, Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec put(String ifMatch, boolean manageUpdates) {
        return http.put().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> {
                    h.setBearerAuth(admin);
                    if (ifMatch != null) {
                        h.setIfMatch(ifMatch);
                    }
                }).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("userAuthentication", true, "enforceUserAuthentication", false, "manageUpdates", manageUpdates))
                .exchange();
    }

    @Test
    void aNewAccountHasTheProductsDefaultsAtVersionZero() {
        http.get().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"v0\"")
                .expectBody()
                .jsonPath("$.userAuthentication").isEqualTo(true)
                .jsonPath("$.enforceUserAuthentication").isEqualTo(false)
                .jsonPath("$.manageUpdates").isEqualTo(false);
    }

    @Test
    void aWriteWithAStaleIfMatchIsRefusedWith412AndChangesNothing() {
        put("\"v0\"", true).expectStatus().isOk().expectHeader().valueEquals("ETag", "\"v1\"");
        put("\"v0\"", false).expectStatus().isEqualTo(412)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        http.get().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectHeader().valueEquals("ETag", "\"v1\"")
                .expectBody().jsonPath("$.manageUpdates").isEqualTo(true);
        put("not-an-etag", false).expectStatus().isBadRequest();
    }

    @Test
    void twentyConcurrentWritersToOneAccountLoseNoUpdate() {
        List<CompletableFuture<Integer>> writers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            boolean value = i % 2 == 0;
            writers.add(CompletableFuture.supplyAsync(() -> {
                for (int attempt = 1; ; attempt++) {
                    String etag = http.get().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin))
                            .exchange().expectBody(String.class).returnResult().getResponseHeaders().getETag();
                    int status = put(etag, value).expectBody(String.class).returnResult().getStatus().value();
                    if (status == 200) {
                        return attempt;
                    }
                    assertThat(status).isEqualTo(412);
                }
            }));
        }
        writers.forEach(CompletableFuture::join);

        http.get().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectHeader().valueEquals("ETag", "\"v20\"");
        List<Long> auditedVersions = new ArrayList<>();
        Pattern version = Pattern.compile("\"version\":(\\d+)");
        for (AuditEvent event : TopicRecords.<AuditEvent>valuesFor(Topics.AUDIT.name(), account.toString())) {
            Matcher after = version.matcher(event.getAfter());
            if (event.getAction().equals("agent-settings.update") && after.find()) {
                auditedVersions.add(Long.parseLong(after.group(1)));
            }
        }
        assertThat(auditedVersions).containsExactlyInAnyOrderElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
    }

    @Test
    void generatingATamperPasswordMovesTheCurrentOneToPreviousAndPublishesOnlyVerifiers() {
        http.post().uri("/api/v1/accounts/{a}/tamper-protection/password", account).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isCreated()
                .expectBody().jsonPath("$.currentPassword").value(p -> assertThat((String) p).contains("•"));
        String first = reveal().currentPassword();
        assertThat(first).matches("[0-9A-Z]{5}(-[0-9A-Z]{5}){4}");

        http.post().uri("/api/v1/accounts/{a}/tamper-protection/password", account).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isCreated();
        TamperProtectionView both = reveal();
        assertThat(both.previousPassword()).isEqualTo(first);
        assertThat(both.currentPassword()).isNotEqualTo(first);

        List<AgentSettings> published = TopicRecords.valuesFor(Topics.AGENT_SETTINGS.name(), account.toString());
        AgentSettings latest = published.get(published.size() - 1);
        assertThat(Secrets.passwordMatches(both.currentPassword(), latest.getTamperProtection().getCurrent())).isTrue();
        assertThat(Secrets.passwordMatches(first, latest.getTamperProtection().getPrevious())).isTrue();
        assertThat(Secrets.passwordMatches("WRONG-WRONG-WRONG-WRONG-WRONG", latest.getTamperProtection().getCurrent())).isFalse();
        assertThat(latest.toString()).doesNotContain(first).doesNotContain(both.currentPassword());

        List<AuditEvent> audit = TopicRecords.valuesFor(Topics.AUDIT.name(), account.toString());
        assertThat(audit).extracting(AuditEvent::getAction).contains("tamper-password.generate", "tamper-password.reveal");
        assertThat(audit.toString()).doesNotContain(first);
    }

    @Test
    void revealingNeedsWritePermissionAndAnotherAccountSeesNothing() {
        http.post().uri("/api/v1/accounts/{a}/tamper-protection/password", account).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isCreated();
        String reader = RealInfrastructure.get().tokens().customRoleToken("auditor@example.com", account,
                List.of("web-security:read"), Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/tamper-protection", account).headers(h -> h.setBearerAuth(reader)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.revealed").isEqualTo(false);
        http.get().uri("/api/v1/accounts/{a}/tamper-protection?reveal=true", account).headers(h -> h.setBearerAuth(reader)).exchange()
                .expectStatus().isForbidden();
        String other = token(UUID.randomUUID(), "SUPER_ADMIN");
        http.get().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(other)).exchange().expectStatus().isForbidden();
        http.get().uri("/api/v1/accounts/{a}/tamper-protection", account).headers(h -> h.setBearerAuth(other)).exchange().expectStatus().isForbidden();
        http.put().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(other))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("userAuthentication", true,
                        "enforceUserAuthentication", false, "manageUpdates", false)).exchange().expectStatus().isForbidden();
    }

    @Test
    void anIncompleteWriteIsRefusedFieldByField() {
        http.put().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("userAuthentication", true)).exchange()
                .expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.errors[?(@.field == 'enforceUserAuthentication')]").exists()
                .jsonPath("$.errors[?(@.field == 'manageUpdates')]").exists();
    }

    private TamperProtectionView reveal() {
        return http.get().uri("/api/v1/accounts/{a}/tamper-protection?reveal=true", account).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isOk().expectBody(TamperProtectionView.class).returnResult().getResponseBody();
    }
}
