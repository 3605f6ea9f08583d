package dev.parapet.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
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

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.RealInfrastructure;
import reactor.core.publisher.Flux;

/**
 * diagnostics-service against the real broker and registry, fed through the topics it reads: the
 * device inventory and each health finding raised and cleared (also as live events), reports over
 * minute and hour windows, live counters, bad input, and another account's token seeing nothing.
 */
@DiagnosticsServiceSpringTest
class DiagnosticsTest {

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

    static String admin(UUID account) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    /** GET as the account's administrator until the JSON satisfies the condition (the aggregation is asynchronous). */
    String awaitJson(UUID account, String path, Predicate<String> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = null;
        while (System.nanoTime() < deadline) {
            var result = http().get().uri("/api/v1/accounts/{a}/diagnostics" + path, account).headers(h -> h.setBearerAuth(admin(account)))
                    .exchange().expectBody(String.class).returnResult();
            last = result.getResponseBody();
            if (result.getStatus().value() == 200 && condition.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not reached within 60 s: " + path + " last answered " + last);
    }

    static List<String> findingsOf(String devices, String hostname) {
        return JsonPath.read(devices, "$.devices[?(@.device.hostname == '" + hostname + "')].device.findings[*].code");
    }

    @Test
    void theInventoryRaisesAndClearsEveryFinding() throws Exception {
        UUID account = UUID.randomUUID();
        Instant now = Instant.now();
        Map<String, UUID> ids = new java.util.LinkedHashMap<>();
        for (String host : List.of("good", "home", "skewed", "disabled", "outdated", "behind", "silent", "quiet")) {
            ids.put(host, UUID.randomUUID());
            feed.agent(account, ids.get(host), host, host.equals("silent") ? now.minus(Duration.ofHours(1)) : now);
        }
        feed.settings(account, 3, now.minus(Duration.ofHours(1)));
        Feed.Report healthy = new Feed.Report("Windows", "Enterprise", "11 23H2", true, "1.2.0", 0, 3);
        feed.telemetry(account, ids.get("good"), healthy, now);
        feed.telemetry(account, ids.get("home"), new Feed.Report("Windows", "Home", "11 23H2", true, "1.2.0", 0, 3), now);
        // Keyed by agent, as releases before 2026-12-05 wrote telemetry: it goes round by the repartition and counts the same.
        feed.telemetryKeyedByAgent(account, ids.get("skewed"), new Feed.Report("macOS", null, "14.4", true, "1.2.0", 300_000, 3), now);
        feed.telemetry(account, ids.get("disabled"), new Feed.Report("macOS", null, "14.4", false, "1.2.0", 0, 3), now);
        feed.telemetry(account, ids.get("outdated"), new Feed.Report("macOS", null, "13.6", true, "1.0.0", 0, 3), now);
        feed.telemetry(account, ids.get("behind"), new Feed.Report("iOS", null, "17.1", true, "1.2.0", 0, 1), now);
        // Heard from 15 s ago: with the 20 s timeout of the tests, its NO_HEARTBEAT comes with time alone.
        feed.telemetry(account, ids.get("quiet"), healthy, now.minusSeconds(15));

        String devices = awaitJson(account, "/devices", json -> (int) JsonPath.read(json, "$.total") == 8
                && JsonPath.<List<Object>>read(json, "$.devices[*].device.lastSeen").stream().filter(java.util.Objects::nonNull).count() == 7
                && !JsonPath.<List<Object>>read(json, "$.devices[*].device.hostname").contains(null)
                // Every record seen, the account's settings included: they come round by a repartition, so they may be
                // counted a commit after the telemetry that goes straight to its task.
                && List.of("home", "skewed", "disabled", "outdated", "behind", "silent").stream()
                        .noneMatch(host -> findingsOf(json, host).isEmpty()));
        assertThat(findingsOf(devices, "good")).isEmpty();
        assertThat(findingsOf(devices, "home")).containsExactly("UNSUPPORTED_PLATFORM");
        assertThat(findingsOf(devices, "skewed")).containsExactly("CLOCK_SKEW");
        assertThat(findingsOf(devices, "disabled")).containsExactly("AGENT_DISABLED");
        assertThat(findingsOf(devices, "outdated")).containsExactly("OUTDATED_AGENT");
        assertThat(findingsOf(devices, "behind")).containsExactly("CONFIGURATION_BEHIND");
        assertThat(findingsOf(devices, "silent")).containsExactly("NO_HEARTBEAT");
        List<Object> good = JsonPath.read(devices, "$.devices[?(@.device.hostname == 'good')]");
        assertThat(JsonPath.<String>read(good.get(0), "$.device.signedInUser")).isEqualTo("ann@example.com");
        assertThat(JsonPath.<String>read(good.get(0), "$.device.firstSeen")).isNotNull();
        assertThat(JsonPath.<Boolean>read(good.get(0), "$.isProtected")).isTrue();

        String quiet = awaitJson(account, "/devices?finding=NO_HEARTBEAT", json -> findingsOf(json, "quiet").contains("NO_HEARTBEAT"));
        assertThat(JsonPath.<Integer>read(quiet, "$.matching")).isEqualTo(2);

        // Every cause mended: each finding clears, and the live stream says so.
        CompletableFuture<List<String>> cleared = liveFindings(account, 7);
        Instant later = Instant.now();
        for (String host : List.of("home", "skewed", "disabled", "outdated", "behind", "silent", "quiet")) {
            feed.telemetry(account, ids.get(host), healthy, later);
        }
        String mended = awaitJson(account, "/devices", json -> (int) JsonPath.read(json, "$.withFindings") == 0);
        assertThat(JsonPath.<Integer>read(mended, "$.protectedDevices")).isEqualTo(8);
        assertThat(cleared.get(30, TimeUnit.SECONDS)).containsExactlyInAnyOrder("UNSUPPORTED_PLATFORM cleared", "CLOCK_SKEW cleared",
                "AGENT_DISABLED cleared", "OUTDATED_AGENT cleared", "CONFIGURATION_BEHIND cleared", "NO_HEARTBEAT cleared",
                "NO_HEARTBEAT cleared");

        http().get().uri("/api/v1/accounts/{a}/diagnostics/devices/{d}", account, ids.get("good")).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.device.hostname").isEqualTo("good");
        http().get().uri("/api/v1/accounts/{a}/diagnostics/devices/{d}", account, UUID.randomUUID()).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isNotFound();
    }

    /** The next {@code count} finding events of the account's live stream, as "CODE raised|cleared". */
    CompletableFuture<List<String>> liveFindings(UUID account, int count) throws InterruptedException {
        CompletableFuture<List<String>> events = WebClient.create("http://127.0.0.1:" + port).get()
                .uri("/api/v1/accounts/{a}/diagnostics/live", account).headers(h -> h.setBearerAuth(admin(account)))
                .accept(MediaType.TEXT_EVENT_STREAM).retrieve().bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .filter(event -> "finding".equals(event.event()))
                .map(event -> JsonPath.read(event.data(), "$.code") + (JsonPath.<Boolean>read(event.data(), "$.raised") ? " raised" : " cleared"))
                .take(count).collectList().toFuture();
        Thread.sleep(1_000);
        return events;
    }

    /** The account's live stream, each {@code counters} event's last minute as points [start millis, queries, stopped, failed]. */
    Flux<List<List<Number>>> liveLastMinute(UUID account) {
        return WebClient.create("http://127.0.0.1:" + port).get()
                .uri("/api/v1/accounts/{a}/diagnostics/live", account).headers(h -> h.setBearerAuth(admin(account)))
                .retrieve().bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .filter(event -> "counters".equals(event.event()))
                .map(event -> JsonPath.<List<List<Number>>>read(event.data(), "$.lastMinute"));
    }

    @Test
    void reportsCountByWindowActionLocationUserAndCategory() throws Exception {
        UUID account = UUID.randomUUID();
        UUID office = UUID.randomUUID();
        UUID laptop = UUID.randomUUID();
        Instant base = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(10));
        List<DnsVerdict> verdicts = new ArrayList<>();
        for (String name : List.of("a.test", "a.test", "a.test", "b.test", "b.test")) {
            verdicts.add(Feed.verdict(account, base.plusSeconds(5), Action.ALLOWED, name, List.of(), office, null, null));
        }
        for (int i = 0; i < 3; i++) {
            verdicts.add(Feed.verdict(account, base.plusSeconds(20 + i), Action.BLOCKED, "evil.test", List.of("phishing"), office, null,
                    "ann@example.com"));
        }
        verdicts.add(Feed.verdict(account, base.plusSeconds(70), Action.BLOCKED, "casino.test", List.of("gambling"), office, null, null));
        verdicts.add(Feed.verdict(account, base.plusSeconds(71), Action.BLOCKED, "casino.test", List.of("gambling"), office, null, null));
        verdicts.add(Feed.verdict(account, base.plusSeconds(75), Action.WARNED, "social.test", List.of("social-networking"), null, laptop,
                "bob@example.com"));
        feed.verdicts(verdicts);

        String window = "from=" + base + "&to=" + base.plus(Duration.ofMinutes(3));
        String series = awaitJson(account, "/reports/activity?interval=MINUTE&" + window,
                json -> JsonPath.read(json, "$[*].queries").equals(List.of(8, 3, 0)));
        assertThat(JsonPath.<List<Integer>>read(series, "$[*].stopped")).containsExactly(3, 3, 0);
        assertThat(JsonPath.<List<Integer>>read(series, "$[*].failed")).containsExactly(0, 0, 0);
        assertThat(JsonPath.<Integer>read(series, "$[1].byAction.WARNED")).isEqualTo(1);

        String summary = awaitJson(account, "/reports/summary?" + window, json -> (int) JsonPath.read(json, "$.queries") == 11);
        assertThat(JsonPath.<Integer>read(summary, "$.stopped")).isEqualTo(6);
        assertThat(JsonPath.<Map<String, Integer>>read(summary, "$.byAction")).containsExactlyInAnyOrderEntriesOf(
                Map.of("ALLOWED", 5, "BLOCKED", 5, "WARNED", 1));
        assertThat(JsonPath.<List<String>>read(summary, "$.topStopped[*].name")).containsExactly("evil.test", "casino.test", "social.test");
        assertThat(JsonPath.<List<Integer>>read(summary, "$.topStopped[*].count")).containsExactly(3, 2, 1);
        assertThat(JsonPath.<List<String>>read(summary, "$.topAllowed[*].name")).containsExactly("a.test", "b.test");
        assertThat(JsonPath.<List<Object>>read(summary, "$.byLocation[?(@.id == '" + office + "')]")).singleElement()
                .isEqualTo(Map.of("id", office.toString(), "queries", 10, "stopped", 5, "failed", 0));
        assertThat(JsonPath.<List<Object>>read(summary, "$.byAgent")).containsExactly(
                Map.of("id", laptop.toString(), "queries", 1, "stopped", 1, "failed", 0));
        assertThat(JsonPath.<List<Object>>read(summary, "$.byUser")).containsExactly(
                Map.of("id", "ann@example.com", "queries", 3, "stopped", 3, "failed", 0),
                Map.of("id", "bob@example.com", "queries", 1, "stopped", 1, "failed", 0));
        assertThat(JsonPath.<List<Object>>read(summary, "$.byCategory[?(@.id == 'gambling')]")).singleElement()
                .isEqualTo(Map.of("id", "gambling", "queries", 2, "stopped", 2, "failed", 0));
        assertThat(JsonPath.<Integer>read(summary, "$.failed")).isZero();
        assertThat(JsonPath.<List<Object>>read(summary, "$.topFailed")).isEmpty();
        assertThat(JsonPath.<Map<String, Integer>>read(summary, "$.securityStopped")).containsExactlyInAnyOrderEntriesOf(
                Map.of("phishing", 3, "malware", 0, "ransomware", 0, "scam", 0));

        String hours = awaitJson(account, "/reports/summary?from=" + base.minus(Duration.ofHours(8)) + "&to=" + base.plus(Duration.ofMinutes(3)),
                json -> (int) JsonPath.read(json, "$.queries") == 11);
        assertThat(JsonPath.<String>read(hours, "$.resolution")).isEqualTo("HOUR");
        assertThat(JsonPath.<Integer>read(hours, "$.stopped")).isEqualTo(6);

        // A record nobody can read goes to the dead-letter topic; the verdicts after it are still counted.
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers());
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(Topics.VERDICTS.name(), account.toString(), new byte[] {0, 0, 0, 0, 99, 1, 2, 3})).get();
        }
        Instant now = Instant.now();
        feed.verdicts(List.of(Feed.verdict(account, now, Action.ALLOWED, "after.test", List.of(), office, null, null),
                Feed.verdict(account, now, Action.BLOCKED, "evil.test", List.of("phishing"), office, null, null)));
        awaitJson(account, "/reports/summary", json -> (int) JsonPath.read(json, "$.queries") == 11 + 2);
        CompletableFuture<Long> live = liveLastMinute(account)
                .map(points -> points.stream().mapToLong(point -> point.get(2).longValue()).sum())
                .filter(stopped -> stopped == 1).next().toFuture();
        assertThat(live.get(20, TimeUnit.SECONDS)).as("the live counters show the blocked query of the last minute").isEqualTo(1);
    }

    /**
     * Issue 14: an agent whose queries were all blocked shows them as stopped (byAgent had no stopped
     * counter: 0 always), and queries the upstream failed (SERVFAIL, or REFUSED by the upstream) are
     * counted apart as failed, by agent, location, user and window, in the live counters, and listed
     * as top failed names instead of among the top allowed ones. NXDOMAIN is an answer, not a failure.
     */
    @Test
    void agentsCountTheirStoppedQueriesAndFailedQueriesAreCountedApart() throws Exception {
        UUID account = UUID.randomUUID();
        UUID office = UUID.randomUUID();
        UUID blockedAgent = UUID.randomUUID();
        UUID laptop = UUID.randomUUID();
        Instant now = Instant.now();
        List<DnsVerdict> verdicts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            verdicts.add(Feed.verdict(account, now, Action.BLOCKED, "evil.test", List.of("malware"), null, blockedAgent, "cat@example.com"));
        }
        verdicts.add(Feed.verdict(account, now, Action.ALLOWED, "ok.test", List.of(), null, laptop, "dan@example.com"));
        verdicts.add(Feed.verdict(account, now, Action.ALLOWED, "gone.test", List.of(), null, laptop, "dan@example.com", "NXDOMAIN"));
        verdicts.add(Feed.verdict(account, now, Action.ALLOWED, "down.test", List.of(), null, laptop, "dan@example.com", "SERVFAIL"));
        verdicts.add(Feed.verdict(account, now, Action.ALLOWED, "down.test", List.of(), null, laptop, "dan@example.com", "SERVFAIL"));
        verdicts.add(Feed.verdict(account, now, Action.ALLOWED_AFTER_WARNING, "picky.test", List.of("news"), null, laptop,
                "dan@example.com", "REFUSED"));
        verdicts.add(Feed.verdict(account, now, Action.ALLOWED, "down.test", List.of(), office, null, null, "SERVFAIL"));
        verdicts.add(Feed.verdict(account, now, Action.ALLOWED, "ok.test", List.of(), office, null, null));
        feed.verdicts(verdicts);

        String window = "from=" + now.minus(Duration.ofMinutes(1)) + "&to=" + now.plus(Duration.ofMinutes(1));
        String summary = awaitJson(account, "/reports/summary?" + window, json -> (int) JsonPath.read(json, "$.queries") == 11);
        assertThat(JsonPath.<Integer>read(summary, "$.stopped")).isEqualTo(4);
        assertThat(JsonPath.<Integer>read(summary, "$.failed")).isEqualTo(4);
        assertThat(JsonPath.<List<Object>>read(summary, "$.byAgent")).containsExactly(
                Map.of("id", laptop.toString(), "queries", 5, "stopped", 0, "failed", 3),
                Map.of("id", blockedAgent.toString(), "queries", 4, "stopped", 4, "failed", 0));
        assertThat(JsonPath.<List<Object>>read(summary, "$.byLocation")).containsExactly(
                Map.of("id", office.toString(), "queries", 2, "stopped", 0, "failed", 1));
        assertThat(JsonPath.<List<Object>>read(summary, "$.byUser")).containsExactly(
                Map.of("id", "dan@example.com", "queries", 5, "stopped", 0, "failed", 3),
                Map.of("id", "cat@example.com", "queries", 4, "stopped", 4, "failed", 0));
        assertThat(JsonPath.<List<Object>>read(summary, "$.byCategory[?(@.id == 'news')]")).singleElement()
                .isEqualTo(Map.of("id", "news", "queries", 1, "stopped", 0, "failed", 1));
        assertThat(JsonPath.<List<String>>read(summary, "$.topAllowed[*].name")).containsExactly("ok.test", "gone.test");
        assertThat(JsonPath.<List<String>>read(summary, "$.topFailed[*].name")).containsExactly("down.test", "picky.test");
        assertThat(JsonPath.<List<Integer>>read(summary, "$.topFailed[*].count")).containsExactly(3, 1);
        assertThat(JsonPath.<List<String>>read(summary, "$.topStopped[*].name")).containsExactly("evil.test");

        String series = awaitJson(account, "/reports/activity?interval=MINUTE&" + window,
                json -> JsonPath.<List<Integer>>read(json, "$[*].queries").stream().mapToInt(Integer::intValue).sum() == 11);
        assertThat(JsonPath.<List<Integer>>read(series, "$[*].failed").stream().mapToInt(Integer::intValue).sum()).isEqualTo(4);
        assertThat(JsonPath.<List<Integer>>read(series, "$[*].stopped").stream().mapToInt(Integer::intValue).sum()).isEqualTo(4);

        CompletableFuture<List<Long>> live = liveLastMinute(account)
                .map(points -> List.of(points.stream().mapToLong(point -> point.get(1).longValue()).sum(),
                        points.stream().mapToLong(point -> point.get(2).longValue()).sum(),
                        points.stream().mapToLong(point -> point.size() > 3 ? point.get(3).longValue() : -1).sum()))
                .filter(counts -> counts.get(0) == 11).next().toFuture();
        assertThat(live.get(20, TimeUnit.SECONDS)).as("the live counters of the last minute: queries, stopped, failed")
                .containsExactly(11L, 4L, 4L);
    }

    @Test
    void theAuditLogShowsAnAccountsChangesNewestFirstFilteredAndNoOtherAccounts() throws Exception {
        UUID account = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(30));
        feed.audit(account, base, "ann", "policy.create", "policy", "p-1", null, "{\"name\":\"Blocked sites\"}");
        feed.audit(account, base.plusSeconds(60), "bob", "key.reveal", "key", "k-1", null, null);
        feed.audit(account, base.plusSeconds(120), "ann", "policy.update", "policy", "p-1", "{\"name\":\"Blocked sites\"}",
                "{\"name\":\"Blocked sites and casinos\"}");
        feed.audit(other, base.plusSeconds(90), "mallory", "policy.create", "policy", "p-9", null, "{\"name\":\"Not yours\"}");

        String all = awaitJson(account, "/audit", json -> (int) JsonPath.read(json, "$.matching") == 3);
        assertThat(JsonPath.<List<String>>read(all, "$.events[*].action")).containsExactly("policy.update", "key.reveal", "policy.create");
        assertThat(JsonPath.<String>read(all, "$.events[0].before")).contains("Blocked sites");
        assertThat(JsonPath.<String>read(all, "$.events[0].actorRole")).isEqualTo("FULL_ADMIN");
        assertThat(all).doesNotContain("Not yours", "mallory", "p-9");

        String policies = awaitJson(account, "/audit?action=policy.", json -> (int) JsonPath.read(json, "$.matching") == 2);
        assertThat(JsonPath.<List<String>>read(policies, "$.events[*].actor")).containsExactly("ann", "ann");
        String byBob = awaitJson(account, "/audit?actor=bob", json -> (int) JsonPath.read(json, "$.matching") == 1);
        assertThat(JsonPath.<List<String>>read(byBob, "$.events[*].action")).containsExactly("key.reveal");
        String casinos = awaitJson(account, "/audit?q=CASINOS", json -> (int) JsonPath.read(json, "$.matching") == 1);
        assertThat(JsonPath.<List<String>>read(casinos, "$.events[*].action")).containsExactly("policy.update");
        String window = awaitJson(account, "/audit?from=" + base.plusSeconds(30) + "&to=" + base.plusSeconds(90),
                json -> (int) JsonPath.read(json, "$.matching") == 1);
        assertThat(JsonPath.<List<String>>read(window, "$.events[*].action")).containsExactly("key.reveal");
        String second = awaitJson(account, "/audit?size=1&page=1", json -> (int) JsonPath.read(json, "$.matching") == 3);
        assertThat(JsonPath.<List<String>>read(second, "$.events[*].action")).containsExactly("key.reveal");
    }

    @Test
    void badQueriesAreRefusedFieldByField() {
        UUID account = UUID.randomUUID();
        String token = admin(account);
        for (String query : List.of("/reports/summary?from=2026-12-01T10:00:00Z&to=2026-12-01T09:00:00Z", "/reports/activity?interval=WEEK",
                "/reports/activity?from=yesterday", "/devices?finding=FOO", "/devices?size=0", "/devices?page=-1",
                "/reports/summary?limit=1000", "/reports/summary?from=2026-11-01T00:00:00Z&to=2026-11-30T00:00:00Z",
                "/audit?from=yesterday", "/audit?size=501", "/audit?q=" + "x".repeat(201))) {
            http().get().uri("/api/v1/accounts/{a}/diagnostics" + query, account).headers(h -> h.setBearerAuth(token)).exchange()
                    .expectStatus().isBadRequest().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
    }

    @Test
    void anotherAccountsTokenSeesNothing() {
        UUID account = UUID.randomUUID();
        String stranger = admin(UUID.randomUUID());
        for (String path : List.of("/devices", "/findings", "/reports/summary", "/reports/activity", "/live", "/audit", "/tunnels")) {
            http().get().uri("/api/v1/accounts/{a}/diagnostics" + path, account).headers(h -> h.setBearerAuth(stranger)).exchange()
                    .expectStatus().isForbidden();
            http().get().uri("/api/v1/accounts/{a}/diagnostics" + path, account).exchange().expectStatus().isUnauthorized();
        }
        http().get().uri("/dashboard").exchange().expectStatus().isOk().expectHeader()
                .value("Content-Security-Policy", csp -> assertThat(csp).contains("script-src 'self'"));
    }
}
