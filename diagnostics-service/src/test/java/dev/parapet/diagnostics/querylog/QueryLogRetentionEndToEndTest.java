package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.diagnostics.DiagnosticsServiceSpringTest;
import dev.parapet.diagnostics.Feed;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.stack.RealInfrastructure;

/**
 * An account's retention set and read over HTTP (bad values answered 400 field by field, another account's
 * administrator 403), and its log deleted on request against the real broker: searches then find nothing,
 * and verdicts that arrive afterwards are logged again.
 */
@DiagnosticsServiceSpringTest
class QueryLogRetentionEndToEndTest {

    @LocalServerPort
    int port;
    @Autowired
    QueryLogFiles files;

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
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(60)).build();
    }

    static String admin(UUID account, String role) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, role, Duration.ofMinutes(10));
    }

    static String reader(UUID account) {
        return RealInfrastructure.get().tokens().customRoleToken("reader@example.com", account, List.of("web-security:read"), Duration.ofMinutes(10));
    }

    WebTestClient.ResponseSpec put(UUID account, String token, String body) {
        return http().put().uri("/api/v1/accounts/" + account + "/query-log/retention").headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    String get(UUID account, String token) {
        return http().get().uri("/api/v1/accounts/" + account + "/query-log/retention").headers(h -> h.setBearerAuth(token))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void anAccountsAdministratorsSetItsRetentionWithinTheLimitsAndOthersCannot() {
        UUID account = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        String full = admin(account, "FULL_ADMIN");
        assertThat(JsonPath.<Map<String, Object>>read(get(account, full), "$"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("allowedDays", 30, "securityDays", 365, "custom", false));
        assertThat(get(account, reader(account))).as("read with web-security:read").contains("\"allowedDays\":30");

        put(account, full, "{\"allowedDays\":7,\"securityDays\":90}").expectStatus().isOk().expectBody()
                .jsonPath("$.allowedDays").isEqualTo(7).jsonPath("$.securityDays").isEqualTo(90).jsonPath("$.custom").isEqualTo(true);
        assertThat(JsonPath.<Integer>read(get(account, full), "$.securityDays")).isEqualTo(90);
        assertThat(files.retention(account)).as("beside the account's data, for every instance").exists();

        put(account, full, "{\"allowedDays\":0,\"securityDays\":5000}").expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[*].field").isEqualTo(List.of("allowedDays", "securityDays"));
        put(account, full, "{\"allowedDays\":90,\"securityDays\":30}").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("securityDays")
                .jsonPath("$.errors[0].reason").isEqualTo("must be at least allowedDays (90)");
        put(account, full, "{}").expectStatus().isBadRequest().expectBody().jsonPath("$.errors.length()").isEqualTo(2);
        put(account, full, "not json").expectStatus().isBadRequest();

        put(account, admin(other, "FULL_ADMIN"), "{\"allowedDays\":1,\"securityDays\":1}").expectStatus().isForbidden();
        http().get().uri("/api/v1/accounts/" + account + "/query-log/retention").headers(h -> h.setBearerAuth(admin(other, "FULL_ADMIN")))
                .exchange().expectStatus().isForbidden();
        put(account, reader(account), "{\"allowedDays\":1,\"securityDays\":1}").expectStatus().isForbidden();   // web-security:write needed
        assertThat(JsonPath.<Integer>read(get(account, full), "$.allowedDays")).as("unchanged by the refused ones").isEqualTo(7);
    }

    long total(UUID account, String range) {
        String found = http().get().uri("/api/v1/accounts/" + account + "/query-log?" + range).headers(h -> h.setBearerAuth(admin(account, "FULL_ADMIN")))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        return JsonPath.<Integer>read(found, "$.total");
    }

    long awaitTotal(UUID account, String range, long wanted) throws InterruptedException {
        long total = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && (total = total(account, range)) < wanted) {
            Thread.sleep(250);
        }
        return total;
    }

    @Test
    void deletingAnAccountsLogLeavesNothingOfItToSearchAndLaterVerdictsAreLoggedAgain() throws Exception {
        UUID account = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        Instant hourAgo = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        feed.verdicts(List.of(
                Feed.verdict(account, hourAgo, Action.BLOCKED, "login.phish.example", List.of("phishing"), null, null, "ann@example.com"),
                Feed.verdict(account, hourAgo.plusSeconds(1), Action.ALLOWED, "www.example.com", List.of(), null, null, "ann@example.com"),
                Feed.verdict(other, hourAgo, Action.BLOCKED, "login.phish.example", List.of("phishing"), null, null, null)));
        String range = "from=" + hourAgo.minus(Duration.ofHours(1)) + "&to=" + hourAgo.plus(Duration.ofHours(1));
        assertThat(awaitTotal(account, range, 2)).isEqualTo(2);
        assertThat(awaitTotal(other, range, 1)).isEqualTo(1);
        put(account, admin(account, "FULL_ADMIN"), "{\"allowedDays\":10,\"securityDays\":20}").expectStatus().isOk();

        http().delete().uri("/api/v1/accounts/" + account + "/query-log").headers(h -> h.setBearerAuth(admin(other, "FULL_ADMIN")))
                .exchange().expectStatus().isForbidden();
        http().delete().uri("/api/v1/accounts/" + account + "/query-log").headers(h -> h.setBearerAuth(admin(account, "BASIC_ADMIN")))
                .exchange().expectStatus().isForbidden();
        String deleted = http().delete().uri("/api/v1/accounts/" + account + "/query-log")
                .headers(h -> h.setBearerAuth(admin(account, "FULL_ADMIN"))).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(JsonPath.<Integer>read(deleted, "$.filesDeleted")).as("at least one verdicts file and the retention file").isGreaterThanOrEqualTo(2);

        assertThat(total(account, range)).isZero();
        assertThat(files.account(account)).doesNotExist();
        assertThat(JsonPath.<Boolean>read(get(account, admin(account, "FULL_ADMIN")), "$.custom")).isFalse();
        assertThat(total(other, range)).as("another account's log untouched").isEqualTo(1);

        feed.verdicts(List.of(Feed.verdict(account, hourAgo.plusSeconds(2), Action.BLOCKED, "again.phish.example", List.of(), null, null, null)));
        assertThat(awaitTotal(account, range, 1)).as("logged again after the deletion").isEqualTo(1);
    }
}
