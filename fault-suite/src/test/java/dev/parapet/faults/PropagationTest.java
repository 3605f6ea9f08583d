package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.parapet.stack.Dnsmasq;
import dev.parapet.stack.Ports;
import dev.parapet.stack.Waits;

/**
 * Propagation an administrator can see, with the real processes: settings-service, dns-service (one
 * instance, then two) and Kafka, a real upstream (dnsmasq) and real DNS queries over UDP from an
 * office's address. A policy change is reported "applied by 1 of 1 resolvers"; a write with
 * {@code ?wait=enforced} answers only once every resolver answers with the new verdict (a query
 * sent the moment the answer arrives is blocked, every time); with a resolver frozen (SIGSTOP) the
 * wait ends at its bound saying "applied by 1 of 2", the frozen resolver stops counting once silent,
 * counts again once it resumes and catches up, and stops counting at once when it stops cleanly.
 * Prints the figures (`grep propagation:`): the time from a write to "applied by every resolver",
 * how a plain write's answer relates to enforcement, and what {@code ?wait=enforced} costs.
 */
@SharedFaultStack.WithSharedStack
@Order(5)
class PropagationTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    static final String OFFICE_RANGE = "127.0.77.0/24";
    static final String FROM_OFFICE = "127.0.77.10";
    static final String UPSTREAM_ANSWER = SharedFaultStack.UPSTREAM_ANSWER;
    /** dns-service's default block-page address, the answer to a blocked A query. */
    static final String BLOCKED_ANSWER = "127.0.0.1";
    static final int ROUNDS = 30;

    record Answer(int status, Map<String, List<String>> headers, String body, long sentNanos, long receivedNanos) {
        String header(String name) {
            return headers.entrySet().stream().filter(header -> header.getKey().equalsIgnoreCase(name))
                    .map(header -> header.getValue().get(0)).findFirst().orElse(null);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(receivedNanos - sentNanos);
        }
    }

    FaultStack stack;
    UUID account;
    String token;

    @Test
    void aChangeIsSeenAppliedByEveryResolverAndWaitEnforcedAnswersOnlyOnceItIsEnforced() throws Exception {
        stack = SharedFaultStack.stack();
        Dnsmasq upstream = SharedFaultStack.upstream();
        account = UUID.randomUUID();
        token = stack.superAdmin(account);

        Waits.until("the resolver counted", Duration.ofSeconds(30), () -> resolversCounted() == 1);

        // The office, enforced before the answer: its queries are attributed from the first one.
        Answer office = call("POST", "/locations?wait=enforced", "application/json",
                JSON.writeValueAsString(Map.of("name", "Office", "cidrs", List.of(OFFICE_RANGE))));
        assertThat(office.status()).as(office.body()).isEqualTo(201);
        assertThat(office.header("Parapet-Enforcement")).startsWith("enforced; applied=1; resolvers=1");

        Answer created = call("POST", "/policies", "application/json", JSON.writeValueAsString(Map.of("name", "Blocked",
                "type", "BLOCK_ALLOW_LIST", "scope", Map.of("everyone", true),
                "blockAllowList", Map.of("blocked", List.of("first.propagation.test"), "allowed", List.of()))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String policy = created.json().get("policyId").asText();
        String changeId = created.header("Parapet-Change-Id");
        assertThat(changeId).isNotNull();

        // "applied by 1 of 1 resolvers"
        Waits.until("the policy applied by every resolver", Duration.ofSeconds(10),
                () -> change(changeId).path("resolvers").path("enforced").asBoolean());
        JsonNode applied = change(changeId);
        assertThat(applied.path("resolvers").path("applied").asInt()).isEqualTo(1);
        assertThat(applied.path("resolvers").path("total").asInt()).isEqualTo(1);
        assertThat(applied.path("resolvers").path("lastAppliedAfterMillis").isNumber()).isTrue();
        assertThat(query(stack.dnsPort, "first.propagation.test")).isEqualTo(BLOCKED_ANSWER);
        System.out.printf("propagation: policy created, applied by %d of %d resolvers %d ms after the write%n",
                applied.path("resolvers").path("applied").asInt(), applied.path("resolvers").path("total").asInt(),
                applied.path("resolvers").path("lastAppliedAfterMillis").asLong());

        measure(policy, List.of(stack.dnsPort), "1 resolver");
        measureLargeImports(List.of(stack.dnsPort));

        // A second resolver: both count, both enforce what wait=enforced answered for.
        int secondPort = Ports.free();
        FaultStack.Service second = stack.anotherDns("dns-service-2", secondPort,
                List.of("--parapet.dns.upstreams=127.0.0.1:" + upstream.port()));
        second.start();
        try {
            second.awaitHealthy();
            Waits.until("two resolvers counted", Duration.ofSeconds(30), () -> resolversCounted() == 2);
            Answer both = importDomain(policy, "both.propagation.test", "&wait=enforced");
            assertThat(both.header("Parapet-Enforcement")).startsWith("enforced; applied=2; resolvers=2");
            assertThat(query(stack.dnsPort, "both.propagation.test")).isEqualTo(BLOCKED_ANSWER);
            assertThat(query(secondPort, "both.propagation.test")).isEqualTo(BLOCKED_ANSWER);

            // The account now also holds the 100 000-domain policy, which each resolver compiles again on any change.
            measure(policy, List.of(stack.dnsPort, secondPort), "2 resolvers, the account also holding a 100 000-domain policy");

            // Frozen: still counted until silent for three heartbeats (15 s after its last report, which the
            // write just before makes it send), so the wait ends at its bound (10 s).
            assertThat(importDomain(policy, "last.propagation.test", "&wait=enforced").header("Parapet-Enforcement"))
                    .startsWith("enforced; applied=2; resolvers=2");
            signal(second, "STOP");
            Answer frozen = importDomain(policy, "frozen.propagation.test", "&wait=enforced");
            assertThat(frozen.status()).isEqualTo(200);
            assertThat(frozen.header("Parapet-Enforcement")).matches("timeout; applied=1; resolvers=2; waited-ms=1\\d{4}");
            assertThat(frozen.millis()).isBetween(10_000L, 15_000L);
            assertThat(query(stack.dnsPort, "frozen.propagation.test")).isEqualTo(BLOCKED_ANSWER);
            String frozenChange = frozen.header("Parapet-Change-Id");
            System.out.printf("propagation: with one of 2 resolvers frozen, ?wait=enforced answered after %d ms: %s%n",
                    frozen.millis(), frozen.header("Parapet-Enforcement"));
            Waits.until("the frozen resolver no longer counts", Duration.ofSeconds(20),
                    () -> change(frozenChange).path("resolvers").path("total").asInt() == 1);
            assertThat(change(frozenChange).path("resolvers").path("enforced").asBoolean()).isTrue();

            signal(second, "CONT");
            Waits.until("the resumed resolver counts again, with the change", Duration.ofSeconds(30), () -> {
                JsonNode resolvers = change(frozenChange).path("resolvers");
                return resolvers.path("total").asInt() == 2 && resolvers.path("applied").asInt() == 2;
            });
            assertThat(query(secondPort, "frozen.propagation.test")).isEqualTo(BLOCKED_ANSWER);

            long stopping = System.nanoTime();
            signal(second, "TERM");
            Waits.until("a resolver that stops cleanly no longer counts", Duration.ofSeconds(10),
                    () -> change(frozenChange).path("resolvers").path("total").asInt() == 1);
            long uncounted = System.nanoTime();
            second.process.close();
            System.out.printf("propagation: a resolver asked to stop (SIGTERM) stopped counting after %d ms; its process "
                            + "ended after %d ms%n", TimeUnit.NANOSECONDS.toMillis(uncounted - stopping),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping));
        } finally {
            if (second.process != null) {
                signal(second, "CONT");
                second.process.close();
            }
        }
    }

    /**
     * {@value #ROUNDS} plain imports, each followed at once by queries until every resolver blocks
     * the name, then {@value #ROUNDS} imports with {@code ?wait=enforced}, each followed at once by a
     * query that must be blocked.
     */
    void measure(String policy, List<Integer> resolvers, String label) throws Exception {
        List<Long> writeToApplied = new ArrayList<>();
        List<Long> answerToApplied = new ArrayList<>();
        List<Long> answerToBlocked = new ArrayList<>();
        List<Long> plainAnswer = new ArrayList<>();
        int staleRightAfterAnswer = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String name = "plain-" + round + "-" + UUID.randomUUID().toString().substring(0, 8) + ".propagation.test";
            for (int port : resolvers) {
                assertThat(query(port, name)).as("allowed before").isEqualTo(UPSTREAM_ANSWER);
            }
            Instant before = Instant.now();
            Answer answer = importDomain(policy, name, "");
            Instant answered = Instant.now();
            plainAnswer.add(answer.millis());
            boolean stale = false;
            for (int port : resolvers) {
                while (!BLOCKED_ANSWER.equals(query(port, name))) {
                    stale = true;
                    assertThat(System.nanoTime() - answer.receivedNanos()).as("blocked within 10 s").isLessThan(10_000_000_000L);
                    Thread.sleep(2);
                }
            }
            answerToBlocked.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answer.receivedNanos()));
            if (stale) {
                staleRightAfterAnswer++;
            }
            String changeId = answer.header("Parapet-Change-Id");
            Waits.until("applied by every resolver", Duration.ofSeconds(10),
                    () -> change(changeId).path("resolvers").path("enforced").asBoolean());
            JsonNode change = change(changeId);
            long after = change.path("resolvers").path("lastAppliedAfterMillis").asLong();
            Instant writtenAt = Instant.parse(change.path("writtenAt").asText());
            writeToApplied.add(after);
            // when every resolver had it, against when the plain answer arrived (negative: before it)
            answerToApplied.add(writtenAt.plusMillis(after).toEpochMilli() - answered.toEpochMilli());
            assertThat(writtenAt).isBetween(before.minusSeconds(1), answered);
        }
        List<Long> enforcedAnswer = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            String name = "waited-" + round + "-" + UUID.randomUUID().toString().substring(0, 8) + ".propagation.test";
            for (int port : resolvers) {
                assertThat(query(port, name)).as("allowed before").isEqualTo(UPSTREAM_ANSWER);
            }
            Answer answer = importDomain(policy, name, "&wait=enforced");
            for (int port : resolvers) {
                assertThat(query(port, name)).as("blocked by every resolver the moment ?wait=enforced answers").isEqualTo(BLOCKED_ANSWER);
            }
            assertThat(answer.header("Parapet-Enforcement"))
                    .startsWith("enforced; applied=" + resolvers.size() + "; resolvers=" + resolvers.size());
            enforcedAnswer.add(answer.millis());
        }
        System.out.printf("propagation: %s, %d rounds: write (command sent) to applied by every resolver %s ms; "
                        + "applied by every resolver relative to the plain write's answer %s ms; plain answer to a blocked DNS "
                        + "answer from every resolver %s ms (%d of %d queries sent right after the answer still got the old verdict); "
                        + "plain write answered in %s ms; ?wait=enforced answered in %s ms%n",
                label, ROUNDS, figures(writeToApplied), figures(answerToApplied), figures(answerToBlocked), staleRightAfterAnswer,
                ROUNDS, figures(plainAnswer), figures(enforcedAnswer));
    }

    /**
     * Imports that replace a list of {@value #LARGE} domains ({@value #LARGE_ROUNDS} plain, then as
     * many with {@code ?wait=enforced}): a large list takes the resolver longer to compile than the
     * writer takes to answer.
     */
    void measureLargeImports(List<Integer> resolvers) throws Exception {
        Answer created = call("POST", "/policies", "application/json", JSON.writeValueAsString(Map.of("name", "Bulk",
                "type", "BLOCK_ALLOW_LIST", "scope", Map.of("everyone", true),
                "blockAllowList", Map.of("blocked", List.of("bulk.example"), "allowed", List.of()))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String policy = created.json().get("policyId").asText();
        for (boolean wait : new boolean[] {false, true}) {
            List<Long> answered = new ArrayList<>();
            List<Long> answerToApplied = new ArrayList<>();
            List<Long> answerToBlocked = new ArrayList<>();
            int stale = 0;
            for (int round = 0; round < LARGE_ROUNDS; round++) {
                String probe = "bulk-" + wait + "-" + round + "-" + UUID.randomUUID().toString().substring(0, 8) + ".propagation.test";
                StringBuilder list = new StringBuilder(probe).append('\n');
                for (int i = 0; i < LARGE; i++) {
                    list.append('d').append(i).append('-').append(round).append(wait ? "-w" : "").append(".bulk.test\n");
                }
                for (int port : resolvers) {
                    assertThat(query(port, probe)).isEqualTo(UPSTREAM_ANSWER);
                }
                Answer answer = call("POST", "/policies/" + policy + "/domains?list=blocked&mode=replace" + (wait ? "&wait=enforced" : ""),
                        "text/plain", list.toString());
                Instant at = Instant.now();
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                boolean old = false;
                for (int port : resolvers) {
                    while (!BLOCKED_ANSWER.equals(query(port, probe))) {
                        assertThat(wait).as("blocked the moment ?wait=enforced answers").isFalse();
                        old = true;
                        Thread.sleep(2);
                    }
                }
                answerToBlocked.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answer.receivedNanos()));
                stale += old ? 1 : 0;
                answered.add(answer.millis());
                String changeId = answer.header("Parapet-Change-Id");
                Waits.until("applied by every resolver", Duration.ofSeconds(10),
                        () -> change(changeId).path("resolvers").path("enforced").asBoolean());
                JsonNode change = change(changeId);
                answerToApplied.add(Instant.parse(change.path("writtenAt").asText())
                        .plusMillis(change.path("resolvers").path("lastAppliedAfterMillis").asLong()).toEpochMilli() - at.toEpochMilli());
            }
            System.out.printf("propagation: imports replacing %d domains%s, %d rounds: answered in %s ms; applied by every "
                            + "resolver relative to the answer %s ms; answer to a blocked DNS answer %s ms (%d of %d queries sent "
                            + "right after the answer still got the old verdict)%n", LARGE, wait ? " with ?wait=enforced" : "",
                    LARGE_ROUNDS, figures(answered), figures(answerToApplied), figures(answerToBlocked), stale, LARGE_ROUNDS);
        }
    }

    static final int LARGE = 100_000;
    static final int LARGE_ROUNDS = 5;

    static String figures(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return "p50 " + sorted.get(sorted.size() / 2) + ", p90 " + sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1)
                + ", max " + sorted.get(sorted.size() - 1) + " (min " + sorted.get(0) + ")";
    }

    /** Live resolvers that enforce exceptions, as a fresh write of them shows. */
    int resolversCounted() {
        Answer written = call("PUT", "/exceptions", "application/json", "{\"domains\":[\"probe-" + UUID.randomUUID()
                + ".example\"],\"ipRanges\":[]}");
        return written.status() == 200 ? change(written.header("Parapet-Change-Id")).path("resolvers").path("total").asInt() : -1;
    }

    Answer importDomain(String policy, String domain, String query) {
        return call("POST", "/policies/" + policy + "/domains?list=blocked" + query, "text/plain", domain + "\n");
    }

    JsonNode change(String changeId) {
        Answer answer = call("GET", "/changes/" + changeId, null, null);
        try {
            return answer.status() == 200 ? answer.json() : JSON.createObjectNode();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Answer call(String method, String path, String contentType, String body) {
        String url = stack.settings.url() + "/api/v1/accounts/" + account + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        long sent = System.nanoTime();
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().map(), response.body(), sent, System.nanoTime());
        } catch (IOException e) {
            return new Answer(0, Map.of(), e.toString(), sent, System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The first A record of the answer a resolver gives the office, or the rcode's name if there is none. */
    static String query(int port, String name) throws IOException {
        return Api.firstA(port, FROM_OFFICE, name);
    }

    static void signal(FaultStack.Service service, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(service.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
}
