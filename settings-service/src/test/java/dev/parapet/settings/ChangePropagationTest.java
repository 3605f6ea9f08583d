package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.testing.TestAgents;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.schemas.v1.resolvers.AppliedPosition;
import dev.parapet.schemas.v1.resolvers.ResolverApplied;
import dev.parapet.settings.propagation.ChangeController.ChangeView;
import dev.parapet.settings.propagation.EnforcementFilter;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.Waits;

/**
 * What an administrator sees of a change's propagation, against resolvers played by this test (it
 * publishes their reports on parapet.resolver-applied.v1 as dns-service would; the fault suite's
 * PropagationTest does the same with real dns-service processes): every write answers with its
 * change id; the change shows how many live resolvers have applied it and how many agents' streams
 * were sent it; ?wait=enforced answers once every live resolver has it, or after the bound.
 */
@SettingsServiceSpringTest
class ChangePropagationTest {

    static final List<String> RESOLVER_TOPICS = List.of(Topics.POLICIES.name(), Topics.LOCATIONS.name(),
            Topics.EXCEPTIONS.name(), Topics.PROFILE_GROUPS.name());

    @LocalServerPort
    int port;

    WebTestClient http;
    TestAgents records;
    UUID account;
    String admin;
    final List<String> resolvers = new ArrayList<>();

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        records = new TestAgents();
        account = UUID.randomUUID();
        admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    @AfterEach
    void stopResolvers() throws Exception {
        for (String resolver : resolvers) {
            records.publish(Topics.RESOLVER_APPLIED.name(), resolver, null);
        }
        records.close();
    }

    /** A resolver of this test: reports that everything written so far on the resolvers' topics is in force. */
    String resolver() throws Exception {
        String id = "test-resolver-" + UUID.randomUUID();
        resolvers.add(id);
        Instant started = Instant.now();
        records.publish(Topics.RESOLVER_APPLIED.name(), id, new ResolverApplied(id, started, started, 5_000L, upToNow()));
        return id;
    }

    /** Reports again: everything written up to now is in force (or, {@code behind}, what was in force before). */
    void report(String id, List<AppliedPosition> positions) throws Exception {
        records.publish(Topics.RESOLVER_APPLIED.name(), id,
                new ResolverApplied(id, Instant.now().minusSeconds(60), Instant.now(), 5_000L, positions));
    }

    static List<AppliedPosition> upToNow() throws Exception {
        try (Admin kafka = Admin.create(Map.<String, Object>of("bootstrap.servers", RealInfrastructure.get().bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> ends = new java.util.HashMap<>();
            for (String topic : RESOLVER_TOPICS) {
                int partitions = kafka.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(topic).partitions().size();
                for (int partition = 0; partition < partitions; partition++) {
                    ends.put(new TopicPartition(topic, partition), OffsetSpec.latest());
                }
            }
            return kafka.listOffsets(ends).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                    .map(end -> new AppliedPosition(end.getKey().topic(), end.getKey().partition(), end.getValue().offset()))
                    .toList();
        }
    }

    EntityExchangeResult<String> putExceptions(String query, List<String> domains) {
        return http.put().uri("/api/v1/accounts/{a}/exceptions" + query, account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("domains", domains, "ipRanges", List.of()))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult();
    }

    EntityExchangeResult<String> createPolicy(String query) {
        return http.post().uri("/api/v1/accounts/{a}/policies" + query, account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "Blocked " + UUID.randomUUID(), "scope", Map.of("everyone", true),
                        "type", "BLOCK_ALLOW_LIST", "blockAllowList", Map.of("blocked", List.of("blocked.example"), "allowed", List.of())))
                .exchange().expectStatus().isCreated().expectBody(String.class).returnResult();
    }

    ChangeView change(String changeId) {
        return http.get().uri("/api/v1/accounts/{a}/changes/{c}", account, changeId).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isOk().expectBody(ChangeView.class).returnResult().getResponseBody();
    }

    static String changeId(EntityExchangeResult<?> answer) {
        String id = answer.getResponseHeaders().getFirst(EnforcementFilter.CHANGE_ID);
        assertThat(id).as("the write's change id").isNotNull();
        return id;
    }

    @Test
    void aChangeIsReportedAppliedByEachLiveResolverThatHasItInForce() throws Exception {
        String ahead = resolver();
        String behind = resolver();
        List<AppliedPosition> before = upToNow();

        String changeId = changeId(createPolicy(""));
        ChangeView written = change(changeId);
        assertThat(written.accountId()).isEqualTo(account);
        assertThat(written.resolvers().carried()).isTrue();
        assertThat(written.resolvers().applied()).isZero();
        assertThat(written.resolvers().total()).isEqualTo(2);
        assertThat(written.resolvers().enforced()).isFalse();
        assertThat(written.agents().carried()).as("agents are not sent policies").isFalse();

        report(ahead, upToNow());
        report(behind, before);
        Waits.until("applied by the resolver that is ahead", Duration.ofSeconds(10), () -> change(changeId).resolvers().applied() == 1);
        ChangeView half = change(changeId);
        assertThat(half.resolvers().total()).isEqualTo(2);
        assertThat(half.resolvers().lastAppliedAfterMillis()).as("not every resolver has it yet").isNull();

        records.publish(Topics.RESOLVER_APPLIED.name(), behind, null);
        Waits.until("the resolver that stopped no longer counts", Duration.ofSeconds(10), () -> change(changeId).resolvers().total() == 1);
        ChangeView everywhere = change(changeId);
        assertThat(everywhere.resolvers().applied()).isEqualTo(1);
        assertThat(everywhere.resolvers().enforced()).isTrue();
        assertThat(everywhere.resolvers().lastAppliedAfterMillis()).as("from the write to the report that covered it")
                .isNotNull().isPositive().isLessThan(10_000L);
    }

    @Test
    void waitEnforcedAnswersOnceEveryLiveResolverHasTheChange() throws Exception {
        String resolver = resolver();
        List<AppliedPosition> before = upToNow();
        CompletableFuture<Long> reportedAt = new CompletableFuture<>();
        Thread applier = new Thread(() -> {
            try {
                // once the change is written, the resolver takes its time to apply it
                Waits.until("the change written", Duration.ofSeconds(20), () -> {
                    try {
                        return !upToNow().equals(before);
                    } catch (Exception e) {
                        return false;
                    }
                });
                Thread.sleep(700);
                reportedAt.complete(System.nanoTime());
                report(resolver, upToNow());
            } catch (Exception e) {
                reportedAt.completeExceptionally(e);
            }
        });
        applier.start();
        EntityExchangeResult<String> answer = putExceptions("?wait=enforced", List.of("intranet.example"));
        long answered = System.nanoTime();
        assertThat(reportedAt.get(10, TimeUnit.SECONDS)).as("answered after the resolver reported it applied").isLessThan(answered);
        String enforcement = answer.getResponseHeaders().getFirst(EnforcementFilter.ENFORCEMENT);
        assertThat(enforcement).startsWith("enforced; applied=1; resolvers=1; after-ms=");
        assertThat(change(changeId(answer)).resolvers().enforced()).isTrue();
    }

    @Test
    void waitEnforcedIsBoundedAndSaysHowFarTheChangeGot() throws Exception {
        String resolver = resolver();
        report(resolver, upToNow());
        long started = System.nanoTime();
        EntityExchangeResult<String> answer = putExceptions("?wait=enforced", List.of("slow.example"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(answer.getResponseHeaders().getFirst(EnforcementFilter.ENFORCEMENT))
                .matches("timeout; applied=0; resolvers=1; waited-ms=3\\d\\d\\d");
        assertThat(took).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
        assertThat(answer.getResponseBody()).as("the write itself was answered as usual").contains("slow.example");
    }

    @Test
    void waitEnforcedDoesNotWaitForWhatResolversDoNotCarryOrWhenNoneIsLive() throws Exception {
        // a resolver seen once tells which topics resolvers enforce; then it stops
        String once = resolver();
        Waits.until("the resolver seen", Duration.ofSeconds(10), () ->
                change(changeId(putExceptions("", List.of("seen-" + UUID.randomUUID() + ".example")))).resolvers().total() == 1);
        records.publish(Topics.RESOLVER_APPLIED.name(), once, null);

        EntityExchangeResult<String> settings = http.put().uri("/api/v1/accounts/{a}/agent-settings?wait=enforced", account)
                .headers(h -> h.setBearerAuth(admin)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("userAuthentication", true, "enforceUserAuthentication", false, "manageUpdates", true))
                .exchange().expectStatus().isOk().expectBody(String.class).returnResult();
        assertThat(settings.getResponseHeaders().getFirst(EnforcementFilter.ENFORCEMENT)).startsWith("not-carried; waited-ms=");

        Waits.until("no test resolver live", Duration.ofSeconds(20), () -> {
            String id = changeId(putExceptions("", List.of("probe-" + UUID.randomUUID() + ".example")));
            return change(id).resolvers().total() == 0;
        });
        long started = System.nanoTime();
        EntityExchangeResult<String> answer = putExceptions("?wait=enforced", List.of("alone.example"));
        assertThat(answer.getResponseHeaders().getFirst(EnforcementFilter.ENFORCEMENT)).startsWith("no-resolvers; applied=0; resolvers=0");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void agentsCountAsAppliedOnceTheirStreamWasSentTheChange() throws Exception {
        records.key(account, 1, KeyStatus.ACTIVE);
        String credential = records.agent(account, UUID.randomUUID(), 1);
        try (SseClient stream = SseClient.openWhenAccepted("http://127.0.0.1:" + port, credential)) {
            assertThat(stream.next().event()).isEqualTo("configuration");
            String changeId = changeId(putExceptions("", List.of("agents.example")));
            assertThat(stream.next().event()).isEqualTo("exceptions");
            ChangeView view = change(changeId);
            assertThat(view.agents().carried()).isTrue();
            assertThat(view.agents().connected()).isEqualTo(1);
            assertThat(view.agents().applied()).isEqualTo(1);
        }
    }

    @Test
    void anotherAccountsAdministratorCannotSeeAChange() {
        String changeId = changeId(putExceptions("", List.of("mine.example")));
        UUID other = UUID.randomUUID();
        String stranger = RealInfrastructure.get().tokens().adminToken("admin@other.example", other, "FULL_ADMIN", Duration.ofMinutes(10));
        http.get().uri("/api/v1/accounts/{a}/changes/{c}", account, changeId).headers(h -> h.setBearerAuth(stranger))
                .exchange().expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        http.get().uri("/api/v1/accounts/{a}/changes/{c}", other, changeId).headers(h -> h.setBearerAuth(stranger))
                .exchange().expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        http.get().uri("/api/v1/accounts/{a}/changes/{c}", account, "not-a-uuid").headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void aWaitOtherThanEnforcedIsRefusedAndChangesNothing() {
        http.put().uri("/api/v1/accounts/{a}/exceptions?wait=forever", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("domains", List.of("never.example"), "ipRanges", List.of()))
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("wait");
        http.get().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectHeader().valueEquals("ETag", "\"v0\"");
    }
}
