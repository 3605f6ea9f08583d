package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.settings.locations.LocationController.LocationView;
import dev.parapet.settings.locations.LocationDecisions;
import dev.parapet.settings.locations.LocationEncryptedDnsController.EncryptedDnsIssued;
import dev.parapet.stack.RealInfrastructure;

/**
 * A location's own encrypted-DNS endpoints through the API, on the real broker: the DoH secret is
 * shown once and never kept, read or audited; rotating replaces it; only the account's administrators
 * with write permission may change them.
 */
@SettingsServiceSpringTest
class LocationEncryptedDnsTest {

    @LocalServerPort
    int port;

    WebTestClient http;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
    }

    private static String admin(UUID account, String role) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, role, Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec rotate(String token, UUID account, UUID location, String ifMatch) {
        return http.post().uri("/api/v1/accounts/{a}/locations/{l}/encrypted-dns", account, location)
                .headers(h -> {
                    h.setBearerAuth(token);
                    if (ifMatch != null) {
                        h.setIfMatch(ifMatch);
                    }
                }).exchange();
    }

    private String read(String token, UUID account, UUID location) {
        return http.get().uri("/api/v1/accounts/{a}/locations/{l}", account, location).headers(h -> h.setBearerAuth(token))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void aLocationWithoutRangesGetsEndpointsWhoseSecretIsShownOnceAndReplacedByARotation() {
        UUID account = UUID.randomUUID();
        String token = admin(account, "FULL_ADMIN");
        LocationView created = http.post().uri("/api/v1/accounts/{a}/locations", account).headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "Home office", "cidrs", List.of()))
                .exchange().expectStatus().isCreated().expectBody(LocationView.class).returnResult().getResponseBody();
        assertThat(created.cidrs()).as("no static address").isEmpty();
        assertThat(created.encryptedDns().enabled()).isFalse();
        UUID location = created.locationId();

        EncryptedDnsIssued first = rotate(token, account, location, "\"v1\"").expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"v2\"").expectHeader().valueEquals("Cache-Control", "no-store")
                .expectBody(EncryptedDnsIssued.class).returnResult().getResponseBody();
        assertThat(LocationEndpoints.isSecret(first.dohSecret())).isTrue();
        assertThat(first.dohPath()).isEqualTo("/dns-query/l/" + first.dohSecret());
        assertThat(first.dotLabel()).matches("[a-z2-7]{16}");
        assertThat(first.dotHost()).isEqualTo(first.dotLabel() + ".dot.parapet.local");
        assertThat(first.version()).isEqualTo(2);
        assertThat(first.rotatedAt()).isNotNull();

        String shown = read(token, account, location);
        assertThat(shown).contains("\"enabled\":true").contains(first.dotHost())
                .doesNotContain(first.dohSecret()).doesNotContain(LocationEndpoints.fingerprint(first.dohSecret()));
        String listed = http.get().uri("/api/v1/accounts/{a}/locations", account).headers(h -> h.setBearerAuth(token))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(listed).contains(first.dotLabel()).doesNotContain(first.dohSecret());

        rotate(token, account, location, "\"v1\"").expectStatus().isEqualTo(412).expectBody().returnResult();
        EncryptedDnsIssued second = rotate(token, account, location, "\"v2\"").expectStatus().isOk()
                .expectBody(EncryptedDnsIssued.class).returnResult().getResponseBody();
        assertThat(second.dohSecret()).isNotEqualTo(first.dohSecret());
        assertThat(second.dotLabel()).isNotEqualTo(first.dotLabel());

        Location published = TopicRecords.latestFor(Topics.LOCATIONS.name(), LocationDecisions.key(account, location));
        assertThat(published.getVersion()).isEqualTo(3);
        assertThat(Secrets.matches(second.dohSecret(), published.getEncryptedDns().getDohVerifier())).isTrue();
        assertThat(Secrets.matches(first.dohSecret(), published.getEncryptedDns().getDohVerifier()))
                .as("the rotated-out secret no longer matches").isFalse();
        assertThat(published.toString()).doesNotContain(first.dohSecret()).doesNotContain(second.dohSecret());

        http.put().uri("/api/v1/accounts/{a}/locations/{l}", account, location).headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "Home", "cidrs", List.of()))
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.encryptedDns.dotLabel").isEqualTo(second.dotLabel());

        http.delete().uri("/api/v1/accounts/{a}/locations/{l}/encrypted-dns", account, location)
                .headers(h -> h.setBearerAuth(token)).exchange().expectStatus().isNoContent().expectBody().isEmpty();
        assertThat(read(token, account, location)).contains("\"enabled\":false").doesNotContain(second.dotLabel());
        http.delete().uri("/api/v1/accounts/{a}/locations/{l}/encrypted-dns", account, location)
                .headers(h -> h.setBearerAuth(token)).exchange().expectStatus().isNotFound().expectBody().returnResult();

        List<AuditEvent> audit = waitForAudit(account, 5);
        assertThat(audit).extracting(AuditEvent::getAction).containsSubsequence("location.create",
                "location.encrypted-dns.create", "location.encrypted-dns.rotate", "location.update", "location.encrypted-dns.delete");
        assertThat(audit.toString()).as("the audit says it rotated, never the secret or its hash")
                .doesNotContain(first.dohSecret()).doesNotContain(second.dohSecret())
                .doesNotContain(LocationEndpoints.fingerprint(first.dohSecret()))
                .doesNotContain(LocationEndpoints.fingerprint(second.dohSecret()));
    }

    private static List<AuditEvent> waitForAudit(UUID account, int events) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<AuditEvent> audit = TopicRecords.valuesFor(Topics.AUDIT.name(), account.toString());
        while (audit.size() < events && System.nanoTime() < deadline) {
            audit = TopicRecords.valuesFor(Topics.AUDIT.name(), account.toString());
        }
        return audit;
    }

    @Test
    void onlyTheAccountsWritersMayChangeTheEndpoints() {
        UUID account = UUID.randomUUID();
        UUID stranger = UUID.randomUUID();
        String token = admin(account, "FULL_ADMIN");
        UUID location = http.post().uri("/api/v1/accounts/{a}/locations", account).headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "Shop", "cidrs", List.of()))
                .exchange().expectStatus().isCreated().expectBody(LocationView.class).returnResult().getResponseBody().locationId();

        rotate(admin(stranger, "SUPER_ADMIN"), account, location, null).expectStatus().isForbidden().expectBody().returnResult();
        // Another account's location is not found in one's own.
        rotate(admin(stranger, "SUPER_ADMIN"), stranger, location, null).expectStatus().isNotFound().expectBody().returnResult();
        http.delete().uri("/api/v1/accounts/{a}/locations/{l}/encrypted-dns", account, location)
                .headers(h -> h.setBearerAuth(admin(stranger, "SUPER_ADMIN"))).exchange().expectStatus().isForbidden()
                .expectBody().returnResult();
        String reader = RealInfrastructure.get().tokens().customRoleToken("reader@example.com", account,
                List.of("web-security:read"), Duration.ofMinutes(10));
        rotate(reader, account, location, null).expectStatus().isForbidden().expectBody().returnResult();
        rotate(token, account, UUID.randomUUID(), null).expectStatus().isNotFound().expectBody().returnResult();
        assertThat(read(token, account, location)).contains("\"enabled\":false");
        assertThat(TopicRecords.<AuditEvent>valuesFor(Topics.AUDIT.name(), account.toString()))
                .extracting(AuditEvent::getAction).doesNotContain("location.encrypted-dns.create");
    }
}
