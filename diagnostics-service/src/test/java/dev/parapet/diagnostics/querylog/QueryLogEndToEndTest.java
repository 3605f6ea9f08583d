package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.diagnostics.DiagnosticsServiceSpringTest;
import dev.parapet.diagnostics.Feed;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.stack.RealInfrastructure;

/**
 * Verdicts published to the real broker are written into the query log's files by the service and found
 * through its API: yesterday's queries to a named domain by a named user at a named location; another
 * account's administrator gets 403 and another account's search none of these rows; bad parameters get 400.
 */
@DiagnosticsServiceSpringTest
class QueryLogEndToEndTest {

    @LocalServerPort
    int port;
    @Autowired
    QueryLogFiles files;
    @Autowired
    QueryLogRetention retention;

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

    static String admin(UUID account) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    String search(UUID account, String token, String query) {
        return http().get().uri("/api/v1/accounts/" + account + "/query-log?" + query).headers(h -> h.setBearerAuth(token))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void yesterdaysQueriesToADomainByAUserAtALocationAreFoundAndOnlyByTheirAccount() throws Exception {
        UUID account = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        UUID leeds = UUID.randomUUID();
        UUID laptop = UUID.randomUUID();
        Instant yesterday = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS).plusSeconds(600);
        feed.verdicts(List.of(
                Feed.verdict(account, yesterday, Action.BLOCKED, "login.phish.example", List.of("phishing"), leeds, laptop, "ann@example.com"),
                Feed.verdict(account, yesterday.plusSeconds(5), Action.ALLOWED, "www.example.com", List.of(), leeds, laptop, "ann@example.com"),
                Feed.verdict(account, yesterday.plusSeconds(7), Action.BLOCKED, "login.phish.example", List.of("phishing"), null, null, null),
                Feed.verdict(other, yesterday.plusSeconds(9), Action.BLOCKED, "login.phish.example", List.of("phishing"), leeds, laptop, "ann@example.com")));

        String range = "from=" + yesterday.minus(Duration.ofHours(2)) + "&to=" + yesterday.plus(Duration.ofHours(2));
        String found = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            found = search(account, admin(account), range + "&suffix=phish.example&user=ann@example.com&location=" + leeds);
            if (JsonPath.<Integer>read(found, "$.total") > 0) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(JsonPath.<Integer>read(found, "$.total")).isEqualTo(1);
        assertThat(JsonPath.<String>read(found, "$.verdicts[0].queryName")).isEqualTo("login.phish.example");
        assertThat(JsonPath.<String>read(found, "$.verdicts[0].action")).isEqualTo("BLOCKED");
        assertThat(JsonPath.<String>read(found, "$.verdicts[0].agentId")).isEqualTo(laptop.toString());
        assertThat(JsonPath.<String>read(found, "$.verdicts[0].occurredAt")).isEqualTo(yesterday.toString());

        String everything = search(account, admin(account), range);
        assertThat(JsonPath.<List<String>>read(everything, "$.verdicts[*].queryName"))
                .containsExactly("login.phish.example", "www.example.com", "login.phish.example");
        assertThat(JsonPath.<Integer>read(search(other, admin(other), range), "$.total")).as("the other account's own rows only").isEqualTo(1);
        UUID stranger = UUID.randomUUID();
        assertThat(JsonPath.<Integer>read(search(stranger, admin(stranger), range), "$.total")).isZero();

        http().get().uri("/api/v1/accounts/" + account + "/query-log?" + range).headers(h -> h.setBearerAuth(admin(other)))
                .exchange().expectStatus().isForbidden();
        http().get().uri("/api/v1/accounts/" + account + "/query-log").exchange().expectStatus().isUnauthorized();
        for (String bad : List.of("from=yesterday", "action=EXPLODED", "size=100000", "from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
                "agent=not-a-uuid", "name=" + "a".repeat(300), "to=-999999999-01-01T00:00:00Z", "from=+1000000000-12-31T23:59:59Z")) {
            http().get().uri("/api/v1/accounts/" + account + "/query-log?" + bad).headers(h -> h.setBearerAuth(admin(account)))
                    .exchange().expectStatus().isBadRequest();
        }
        // The tuples a policy preview replays, streamed: the account's own only.
        String tuples = http().get().uri("/api/v1/accounts/" + account + "/query-log/tuples?" + range).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(JsonPath.<Integer>read(tuples, "$.tuples")).isEqualTo(3);
        assertThat(JsonPath.<Integer>read(tuples, "$.queries")).isEqualTo(3);
        assertThat(JsonPath.<Boolean>read(tuples, "$.truncated")).isFalse();
        assertThat(JsonPath.<List<String>>read(tuples, "$.rows[*].name"))
                .containsExactlyInAnyOrder("login.phish.example", "www.example.com", "login.phish.example");
        String cut = http().get().uri("/api/v1/accounts/" + account + "/query-log/tuples?limit=1&" + range).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(JsonPath.<List<String>>read(cut, "$.rows[*].name")).hasSize(1);
        assertThat(JsonPath.<Boolean>read(cut, "$.truncated")).isTrue();
        String none = http().get().uri("/api/v1/accounts/" + stranger + "/query-log/tuples?" + range).headers(h -> h.setBearerAuth(admin(stranger)))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(JsonPath.<List<String>>read(none, "$.rows")).isEmpty();
        http().get().uri("/api/v1/accounts/" + account + "/query-log/tuples?" + range).headers(h -> h.setBearerAuth(admin(other)))
                .exchange().expectStatus().isForbidden();
        for (String bad : List.of("limit=0", "limit=1000001", "from=yesterday")) {
            http().get().uri("/api/v1/accounts/" + account + "/query-log/tuples?" + bad).headers(h -> h.setBearerAuth(admin(account)))
                    .exchange().expectStatus().isBadRequest();
        }
        assertThat(files.account(account).toFile()).as("the account's rows lie under its own directory").isDirectory();
    }

    /**
     * Past the account's horizon for allowed queries (one day here), a retention run keeps its allowed queries as counts:
     * the search no longer finds them, the roll-ups' read does, summed by name, type and location, and to this account only.
     */
    @Test
    void allowedQueriesPastTheirHorizonAreReadAsCountsByTheirAccountOnly() throws Exception {
        UUID account = UUID.randomUUID();
        UUID leeds = UUID.randomUUID();
        Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS).plusSeconds(300);
        feed.verdicts(List.of(
                Feed.verdict(account, twoDaysAgo, Action.ALLOWED, "www.example.com", List.of(), leeds, UUID.randomUUID(), "ann@example.com"),
                Feed.verdict(account, twoDaysAgo.plusSeconds(1), Action.ALLOWED, "www.example.com", List.of(), leeds, UUID.randomUUID(), "bob@example.com"),
                Feed.verdict(account, twoDaysAgo.plusSeconds(2), Action.ALLOWED, "cdn.example.com", List.of(), null, null, null),
                Feed.verdict(account, twoDaysAgo.plusSeconds(3), Action.BLOCKED, "login.phish.example", List.of("phishing"), leeds, null, null)));
        String range = "from=" + twoDaysAgo.minus(Duration.ofHours(1)) + "&to=" + twoDaysAgo.plus(Duration.ofHours(1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (JsonPath.<Integer>read(search(account, admin(account), range), "$.total") < 4 && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        http().put().uri("/api/v1/accounts/" + account + "/query-log/retention").headers(h -> h.setBearerAuth(admin(account)))
                .contentType(org.springframework.http.MediaType.APPLICATION_JSON).bodyValue("{\"allowedDays\":1,\"securityDays\":30}")
                .exchange().expectStatus().isOk();

        retention.run(Instant.now());

        assertThat(JsonPath.<List<String>>read(search(account, admin(account), range), "$.verdicts[*].queryName"))
                .as("the detail keeps the block only").containsExactly("login.phish.example");
        String rolled = http().get().uri("/api/v1/accounts/" + account + "/query-log/rolled-up?" + range).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(JsonPath.<Integer>read(rolled, "$.queries")).isEqualTo(3);
        assertThat(JsonPath.<Integer>read(rolled, "$.names")).isEqualTo(2);
        assertThat(JsonPath.<List<String>>read(rolled, "$.rows[*].queryName")).containsExactly("www.example.com", "cdn.example.com");
        assertThat(JsonPath.<List<Integer>>read(rolled, "$.rows[*].queries")).containsExactly(2, 1);
        assertThat(JsonPath.<String>read(rolled, "$.rows[0].locationId")).isEqualTo(leeds.toString());
        String suffix = http().get().uri("/api/v1/accounts/" + account + "/query-log/rolled-up?suffix=CDN.example.com.&" + range)
                .headers(h -> h.setBearerAuth(admin(account))).exchange().expectStatus().isOk().expectBody(String.class).returnResult()
                .getResponseBody();
        assertThat(JsonPath.<List<String>>read(suffix, "$.rows[*].queryName")).containsExactly("cdn.example.com");

        UUID other = UUID.randomUUID();
        http().get().uri("/api/v1/accounts/" + account + "/query-log/rolled-up?" + range).headers(h -> h.setBearerAuth(admin(other)))
                .exchange().expectStatus().isForbidden();
        String theirs = http().get().uri("/api/v1/accounts/" + other + "/query-log/rolled-up?" + range).headers(h -> h.setBearerAuth(admin(other)))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(JsonPath.<Integer>read(theirs, "$.queries")).isZero();
        for (String bad : List.of("size=0", "page=-1", "location=leeds", "from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z")) {
            http().get().uri("/api/v1/accounts/" + account + "/query-log/rolled-up?" + bad).headers(h -> h.setBearerAuth(admin(account)))
                    .exchange().expectStatus().isBadRequest();
        }
    }
}
