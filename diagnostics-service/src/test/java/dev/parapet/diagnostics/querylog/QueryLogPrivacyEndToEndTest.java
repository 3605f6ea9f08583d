package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.diagnostics.DiagnosticsServiceSpringTest;
import dev.parapet.diagnostics.Feed;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.stack.RealInfrastructure;

/**
 * An account switches its query log to pseudonyms through the API; its next verdicts are logged under pseudonyms
 * and found by the user's address; a Full Administrator re-identifies one with a reason, and the audit log (the
 * real topic, read back through the service) holds the switch and the re-identification with its reason; a Basic
 * Administrator, another account's administrator and a request without a reason get nothing.
 */
@DiagnosticsServiceSpringTest
class QueryLogPrivacyEndToEndTest {

    @LocalServerPort
    int port;

    static Feed feed;

    @BeforeAll
    static void open() {
        feed = new Feed();
    }

    @AfterAll
    static void close() {
        feed.close();
    }

    WebTestClient http() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
    }

    static String admin(UUID account, String role) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, role, Duration.ofMinutes(10));
    }

    String get(UUID account, String path) {
        return http().get().uri("/api/v1/accounts/" + account + path).headers(h -> h.setBearerAuth(admin(account, "FULL_ADMIN")))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    /** As {@link #get}, but "" while the reports answer 503 (retry: the aggregation's first rebalance is not over). */
    String getOnceReady(UUID account, String path) {
        var result = http().get().uri("/api/v1/accounts/" + account + path).headers(h -> h.setBearerAuth(admin(account, "FULL_ADMIN")))
                .exchange().expectBody(String.class).returnResult();
        if (result.getStatus().value() == 503) {
            return "";
        }
        assertThat(result.getStatus().value()).as(path).isEqualTo(200);
        return result.getResponseBody();
    }

    WebTestClient.ResponseSpec send(UUID account, String role, String method, String path, String json) {
        return http().method(org.springframework.http.HttpMethod.valueOf(method)).uri("/api/v1/accounts/" + account + path)
                .headers(h -> h.setBearerAuth(admin(account, role))).contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
    }

    @Test
    void anAccountsUsersArePseudonymsInItsLogAndAreReIdentifiedOnlyThroughTheAuditedBreakGlass() throws Exception {
        UUID account = UUID.randomUUID();
        assertThat(JsonPath.<Boolean>read(get(account, "/query-log/privacy"), "$.pseudonymiseUsers")).isFalse();
        send(account, "BASIC_ADMIN", "PUT", "/query-log/privacy", "{\"pseudonymiseUsers\":true}").expectStatus().isForbidden();
        send(account, "FULL_ADMIN", "PUT", "/query-log/privacy", "{}").expectStatus().isBadRequest();
        send(account, "FULL_ADMIN", "PUT", "/query-log/privacy", "{\"pseudonymiseUsers\":true}").expectStatus().isOk();
        assertThat(JsonPath.<Boolean>read(get(account, "/query-log/privacy"), "$.pseudonymiseUsers")).isTrue();

        Instant now = Instant.now();
        feed.verdicts(List.of(Feed.verdict(account, now, Action.BLOCKED, "login.phish.example", List.of("phishing"), null, UUID.randomUUID(),
                "ann@example.com")));
        String range = "from=" + now.minusSeconds(3600) + "&to=" + now.plusSeconds(60);
        String found = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            found = get(account, "/query-log?" + range + "&user=ann@example.com");
            if (JsonPath.<Integer>read(found, "$.total") > 0) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(JsonPath.<Integer>read(found, "$.total")).as("found by the user's address").isEqualTo(1);
        String pseudonym = JsonPath.read(found, "$.verdicts[0].userEmail");
        assertThat(pseudonym).matches("anon-[0-9a-f]{20}");
        assertThat(JsonPath.<String>read(found, "$.verdicts[0].clientAddress")).startsWith("anon-");
        assertThat(JsonPath.<Integer>read(get(account, "/query-log?" + range + "&user=" + pseudonym), "$.total")).isEqualTo(1);

        String breakGlass = "{\"pseudonym\":\"" + pseudonym + "\",\"reason\":\"Incident 4711: phishing click reported by the SOC\"}";
        send(account, "BASIC_ADMIN", "POST", "/query-log/re-identify", breakGlass).expectStatus().isForbidden();
        UUID stranger = UUID.randomUUID();
        http().post().uri("/api/v1/accounts/" + account + "/query-log/re-identify").headers(h -> h.setBearerAuth(admin(stranger, "FULL_ADMIN")))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(breakGlass).exchange().expectStatus().isForbidden();
        send(account, "FULL_ADMIN", "POST", "/query-log/re-identify", "{\"pseudonym\":\"" + pseudonym + "\",\"reason\":\"why\"}")
                .expectStatus().isBadRequest();
        send(account, "FULL_ADMIN", "POST", "/query-log/re-identify", "{\"pseudonym\":\"ann@example.com\",\"reason\":\"Incident 4711 again\"}")
                .expectStatus().isBadRequest();
        send(account, "FULL_ADMIN", "POST", "/query-log/re-identify", "{\"pseudonym\":\"anon-00000000000000000000\",\"reason\":\"Incident 4711 again\"}")
                .expectStatus().isNotFound();
        String identified = send(account, "FULL_ADMIN", "POST", "/query-log/re-identify", breakGlass).expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(JsonPath.<String>read(identified, "$.identity")).isEqualTo("ann@example.com");

        String audit = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            audit = getOnceReady(account, "/diagnostics/audit?action=query-log.");
            // Until the successful re-identification's event is there (the refused pseudonym's, audited before it, may come first).
            if (audit.contains(pseudonym)) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(JsonPath.<List<String>>read(audit, "$.events[*].action")).contains("query-log.re-identify", "query-log.privacy.update");
        assertThat(audit).contains(pseudonym, "Incident 4711: phishing click reported by the SOC").doesNotContain("ann@example.com\"");
    }
}
