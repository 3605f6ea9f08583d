package dev.parapet.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.diagnostics.query.RelayAssertion;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Role;
import dev.parapet.kit.testing.SecondInstanceResources;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.stack.RealInfrastructure;

/**
 * Several instances share the accounts' partitions: each answers every account (from its own stores,
 * or by asking the owner), all agree, and when one stops or a new one starts with an empty state
 * directory, the state moves with the partitions, rebuilt from the changelog topics.
 */
@DiagnosticsServiceSpringTest
class TwoInstancesTest {

    @LocalServerPort
    int port;

    @Autowired
    StreamsBuilderFactoryBean streams;

    static ConfigurableApplicationContext instance() {
        List<String> args = new ArrayList<>(List.of(DiagnosticsServiceSpringTest.SECOND_INSTANCE_ARGS));
        args.add("--parapet.diagnostics.state-directory=target/streams/other-" + UUID.randomUUID());
        args.add("--parapet.diagnostics.query-log.directory=target/query-log/other-" + UUID.randomUUID());
        return new SpringApplicationBuilder(DiagnosticsServiceApplication.class, SecondInstanceResources.class).run(args.toArray(String[]::new));
    }

    static String base(ConfigurableApplicationContext context) {
        return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
    }

    /** What an instance says of an account: its devices' hosts and last-seen times, and its report, or null until it can say. */
    static String answer(String base, UUID account, String window) {
        WebTestClient http = WebTestClient.bindToServer().baseUrl(base).responseTimeout(Duration.ofSeconds(30)).build();
        String token = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(5));
        var devices = http.get().uri("/api/v1/accounts/{a}/diagnostics/devices", account).headers(h -> h.setBearerAuth(token))
                .exchange().expectBody(String.class).returnResult();
        var summary = http.get().uri("/api/v1/accounts/{a}/diagnostics/reports/summary?" + window, account)
                .headers(h -> h.setBearerAuth(token)).exchange().expectBody(String.class).returnResult();
        if (devices.getStatus().value() != 200 || summary.getStatus().value() != 200) {
            return null;
        }
        return JsonPath.read(devices.getResponseBody(), "$.devices[*].device['hostname','lastSeen']") + " "
                + JsonPath.read(summary.getResponseBody(), "$['queries','stopped','topStopped']");
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    /** Waits until every instance's answer is the expected one. */
    static void awaitAnswers(String what, String expected, UUID account, String window, String... bases) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        List<String> answers = List.of();
        while (System.nanoTime() < deadline) {
            answers = java.util.Arrays.stream(bases).map(base -> answer(base, account, window)).toList();
            if (answers.stream().allMatch(expected::equals)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": expected " + expected + " from " + List.of(bases) + ", got " + answers);
    }

    int clients() {
        return streams.getKafkaStreams().metadataForAllStreamsClients().size();
    }

    @Test
    void instancesShareTheAccountsAndRebuildWhatMovesToThem() throws Exception {
        String first = "http://127.0.0.1:" + port;
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String window = "from=" + now.minusSeconds(600) + "&to=" + now.plusSeconds(600);
        Map<UUID, String> expected = new HashMap<>();
        try (Feed feed = new Feed(); ConfigurableApplicationContext second = instance()) {
            await("two instances share the partitions", () -> clients() == 2);
            for (int i = 0; i < 8; i++) {
                UUID account = UUID.randomUUID();
                UUID agent = UUID.randomUUID();
                feed.agent(account, agent, "host-" + i, now);
                feed.telemetry(account, agent, Feed.Report.healthy(), now);
                feed.verdicts(List.of(Feed.verdict(account, now, Action.ALLOWED, "ok.test", List.of(), null, agent, null),
                        Feed.verdict(account, now, Action.BLOCKED, "bad-" + i + ".test", List.of("malware"), null, agent, null)));
                expected.put(account, "[{\"hostname\":\"host-" + i + "\",\"lastSeen\":\"" + now + "\"}] "
                        + "{queries=2, stopped=1, topStopped=[{\"name\":\"bad-" + i + ".test\",\"count\":1}]}");
            }
            for (Map.Entry<UUID, String> account : expected.entrySet()) {
                awaitAnswers("both instances answer", account.getValue(), account.getKey(), window, first, base(second));
            }
            relayedQueriesNeedTheSharedKeyAndNoToken(first, expected.keySet().iterator().next());
        }
        await("the first instance alone", () -> clients() == 1);
        for (Map.Entry<UUID, String> account : expected.entrySet()) {
            awaitAnswers("the survivor answers", account.getValue(), account.getKey(), window, first);
        }
        try (ConfigurableApplicationContext fresh = instance()) {
            await("a new instance with an empty state directory joins", () -> clients() == 2);
            for (Map.Entry<UUID, String> account : expected.entrySet()) {
                awaitAnswers("the new instance answers", account.getValue(), account.getKey(), window, base(fresh), first);
            }
        }
        // The tests after this one share the first instance: it is left alone again, with every task restored and running.
        await("the first instance alone again, running", () -> clients() == 1
                && streams.getKafkaStreams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
    }

    /**
     * What one instance passes on carries no token, only an assertion signed with the shared key for that
     * one request: it is answered; one signed with another key, or for another path, is refused even
     * beside a valid token.
     */
    static void relayedQueriesNeedTheSharedKeyAndNoToken(String base, UUID account) {
        WebTestClient http = WebTestClient.bindToServer().baseUrl(base).responseTimeout(Duration.ofSeconds(30)).build();
        Admin admin = new Admin("admin@example.com", account, Role.FULL_ADMIN, Role.FULL_ADMIN.impliedPermissions(), java.util.Set.of());
        String path = "/api/v1/accounts/" + account + "/diagnostics/devices";
        RelayAssertion shared = RelayAssertion.fromSetting(DiagnosticsServiceSpringTest.RELAY_KEY);
        RelayAssertion other = RelayAssertion.fromSetting(null);
        String token = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(5));

        http.get().uri(path).header(RelayAssertion.HEADER, shared.sign(admin, "GET", path, Instant.now()))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.devices").isArray();
        http.get().uri(path).header(RelayAssertion.HEADER, other.sign(admin, "GET", path, Instant.now()))
                .headers(h -> h.setBearerAuth(token)).exchange().expectStatus().isUnauthorized();
        http.get().uri(path).header(RelayAssertion.HEADER, shared.sign(admin, "GET", path + "/findings", Instant.now()))
                .headers(h -> h.setBearerAuth(token)).exchange().expectStatus().isUnauthorized();
        http.get().uri(path).header(RelayAssertion.HEADER, shared.sign(admin, "GET", path, Instant.now().minusSeconds(60)))
                .exchange().expectStatus().isUnauthorized();
    }
}
