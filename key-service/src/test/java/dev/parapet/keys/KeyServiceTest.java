package dev.parapet.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.keys.api.EnrolmentController;
import dev.parapet.kit.testing.SecondInstanceResources;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.keys.api.KeyController;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.stack.RealInfrastructure;

@KeyServiceSpringTest
class KeyServiceTest {

    static final String ENCRYPTION_KEY = KeyServiceSpringTest.ENCRYPTION_KEY;
    static final String CURRENT_KEY = KeyServiceSpringTest.CURRENT_KEY;

    @LocalServerPort
    int port;

    WebTestClient http;
    UUID account;
    String superAdmin;

    @BeforeEach
    void connect() {
        http = client(port);
        account = UUID.randomUUID();
        superAdmin = token(account, "SUPER_ADMIN");
    }

    static WebTestClient client(int port) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
    }

    static String token(UUID account, String role) {
        return RealInfrastructure.get().tokens().adminToken(role.toLowerCase() + "@example.com", account, role, Duration.ofMinutes(10));
    }

    private KeyController.KeyView create(String token) {
        return http.post().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(token)).exchange()
                .expectStatus().isCreated()
                .expectBody(KeyController.KeyView.class).returnResult().getResponseBody();
    }

    private String revealedKey() {
        return http.get().uri("/api/v1/accounts/{a}/key?reveal=true", account).headers(h -> h.setBearerAuth(superAdmin))
                .exchange().expectStatus().isOk().expectBody(KeyController.KeyView.class).returnResult().getResponseBody().key();
    }

    private WebTestClient.ResponseSpec enrol(String key, String deviceId) {
        return http.post().uri("/agent/v1/enrolments").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("key", key, "deviceId", deviceId, "hostname", "laptop-" + deviceId,
                        "osName", "Windows", "osVersion", "11 23H2", "agentVersion", "1.0.0"))
                .exchange();
    }

    private EnrolmentController.Enrolment enrolled(String key, String deviceId) {
        return enrol(key, deviceId).expectStatus().isCreated()
                .expectBody(EnrolmentController.Enrolment.class).returnResult().getResponseBody();
    }

    @Test
    void creatingAKeyMakesTheAccountsOneActiveKeyAndASecondCreateIsAConflict() {
        KeyController.KeyView key = create(superAdmin);
        assertThat(key.status()).isEqualTo("ACTIVE");
        assertThat(key.generation()).isEqualTo(1);
        assertThat(key.region()).isEqualTo("eu");
        assertThat(key.revealed()).isFalse();

        http.post().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        WebTestClient.bindToServer().baseUrl(registry()).build().get().uri("/apis/ccompat/v7/subjects").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(subjects -> assertThat(subjects)
                        .contains(Topics.ACCOUNT_KEYS.name() + "-value", Topics.KEY_COMMANDS.name() + "-value",
                                Topics.KEY_COMMAND_RESULTS.name() + "-value", Topics.AUDIT.name() + "-value"));
    }

    @Test
    void simultaneousCreatesYieldExactlyOneKey() {
        List<CompletableFuture<Integer>> attempts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            attempts.add(CompletableFuture.supplyAsync(() -> http.post().uri("/api/v1/accounts/{a}/key", account)
                    .headers(h -> h.setBearerAuth(superAdmin)).exchange().expectBody(String.class).returnResult().getStatus().value()));
        }
        List<Integer> statuses = attempts.stream().map(CompletableFuture::join).toList();
        assertThat(statuses).containsOnlyOnce(201);
        assertThat(statuses.stream().filter(status -> status == 409)).hasSize(7);
        assertThat(TopicRecords.valuesFor(Topics.ACCOUNT_KEYS.name(), account.toString())).hasSize(1);
    }

    @Test
    void theKeyIsMaskedUnlessRevealedAndRevealingIsAudited() {
        create(superAdmin);
        String masked = http.get().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(token(account, "BASIC_ADMIN")))
                .exchange().expectStatus().isOk().expectBody(KeyController.KeyView.class).returnResult().getResponseBody().key();
        String revealed = revealedKey();

        assertThat(masked).contains("••••").doesNotContain(revealed.substring(10, 30));
        assertThat(revealed).matches("PK1-EU-[0-9A-Z]{32}-[0-9A-Z]{4}");
        List<AuditEvent> audit = TopicRecords.valuesFor(Topics.AUDIT.name(), account.toString());
        assertThat(audit).extracting(AuditEvent::getAction).contains("key.create", "key.reveal");
        assertThat(audit).allSatisfy(event -> assertThat(String.valueOf(event.getBefore()) + event.getAfter())
                .doesNotContain(revealed.substring(7, 39)));
    }

    @Test
    void theDownloadIsAFileNamedCustomerKeyWithTheKeyAndTheRegionalApi() {
        create(superAdmin);
        String key = revealedKey();
        EntityExchangeResult<String> file = http.get().uri("/api/v1/accounts/{a}/key/file", account)
                .headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isOk()
                .expectHeader().valueMatches("Content-Disposition", "attachment; filename=\"?CustomerKey\"?")
                .expectBody(String.class).returnResult();
        assertThat(file.getResponseBody()).contains("ParapetKey=" + key).contains("ApiBaseUrl=http://127.0.0.1:18101");
    }

    @Test
    void deletingNeedsAnExplicitConfirmationAndAPrivilegedRole() {
        create(superAdmin);
        http.delete().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("?confirm=true"));
        http.delete().uri("/api/v1/accounts/{a}/key?confirm=true", account).headers(h -> h.setBearerAuth(token(account, "BASIC_ADMIN")))
                .exchange().expectStatus().isForbidden();
        http.get().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectBody().jsonPath("$.status").isEqualTo("ACTIVE");
    }

    @Test
    void deletingTheKeyRevokesEveryAgentEnrolledWithItAndTheEventsArriveWithinASecond() {
        create(superAdmin);
        String key = revealedKey();
        EnrolmentController.Enrolment first = enrolled(key, "device-a");
        EnrolmentController.Enrolment second = enrolled(key, "device-b");

        try (KafkaConsumer<String, byte[]> keys = tail(Topics.ACCOUNT_KEYS.name());
             KafkaConsumer<String, byte[]> agents = tail(Topics.AGENTS.name())) {
            long deleted = System.nanoTime();
            http.delete().uri("/api/v1/accounts/{a}/key?confirm=true", account).headers(h -> h.setBearerAuth(token(account, "FULL_ADMIN")))
                    .exchange().expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("REVOKED");
            long answered = System.nanoTime();

            AccountKeyState revoked = AvroSerdes.<AccountKeyState>deserializer(registry(), false)
                    .deserialize(Topics.ACCOUNT_KEYS.name(), awaitRecord(keys, account.toString(), new ConcurrentHashMap<>()).value());
            long keyEventSeen = System.nanoTime();
            assertThat(revoked.getStatus()).isEqualTo(KeyStatus.REVOKED);
            Map<String, ConsumerRecord<String, byte[]>> agentRecords = new ConcurrentHashMap<>();
            for (UUID agentId : List.of(first.agentId(), second.agentId())) {
                AgentState agent = AvroSerdes.<AgentState>deserializer(registry(), false)
                        .deserialize(Topics.AGENTS.name(), awaitRecord(agents, agentId.toString(), agentRecords).value());
                assertThat(agent.getStatus()).isEqualTo(AgentStatus.REVOKED);
            }
            long agentEventsSeen = System.nanoTime();
            assertThat(Duration.ofNanos(keyEventSeen - deleted)).isLessThan(Duration.ofSeconds(1));
            assertThat(Duration.ofNanos(agentEventsSeen - deleted)).isLessThan(Duration.ofSeconds(1));
            System.out.printf("key deletion: answered in %d ms, key event seen after %d ms, agent events after %d ms%n",
                    (answered - deleted) / 1_000_000, (keyEventSeen - deleted) / 1_000_000, (agentEventsSeen - deleted) / 1_000_000);
        }
        http.get().uri("/api/v1/accounts/{a}/agents", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$[*].status").value(statuses -> assertThat((List<Object>) statuses).containsOnly("REVOKED"));
        enrol(key, "device-c").expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.reason").isEqualTo(EnrolmentController.KEY_NOT_ACCEPTED);
    }

    @Test
    void anAgentEnrolsWithTheKeyAndReEnrollingTheSameDeviceKeepsItsAgentId() {
        create(superAdmin);
        String key = revealedKey();
        EnrolmentController.Enrolment first = enrolled(key, "device-1");
        assertThat(first.accountId()).isEqualTo(account);
        assertThat(first.credential()).startsWith("pac1." + first.agentId() + ".");
        assertThat(first.apiBaseUrl()).isEqualTo("http://127.0.0.1:18101");

        EnrolmentController.Enrolment again = enrolled(key.toLowerCase().replace("-", " "), "device-1");
        assertThat(again.agentId()).isEqualTo(first.agentId());
        assertThat(again.credential()).isNotEqualTo(first.credential());

        http.get().uri("/api/v1/accounts/{a}/agents", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.length()").isEqualTo(1)
                .jsonPath("$[0].hostname").isEqualTo("laptop-device-1")
                .jsonPath("$[0].osName").isEqualTo("Windows")
                .jsonPath("$[0].agentVersion").isEqualTo("1.0.0")
                .jsonPath("$[0].status").isEqualTo("ACTIVE");

        // Paged: newest enrolment first, the total in a header; a bad page is a 400 naming its field.
        enrolled(key, "device-2");
        enrolled(key, "device-3");
        http.get().uri("/api/v1/accounts/{a}/agents?size=2", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isOk().expectHeader().valueEquals("X-Total-Count", "3")
                .expectBody().jsonPath("$.length()").isEqualTo(2)
                .jsonPath("$[0].hostname").isEqualTo("laptop-device-3").jsonPath("$[1].hostname").isEqualTo("laptop-device-2");
        http.get().uri("/api/v1/accounts/{a}/agents?page=1&size=2", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(1).jsonPath("$[0].hostname").isEqualTo("laptop-device-1");
        http.get().uri("/api/v1/accounts/{a}/agents?page=5&size=2", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(0);
        http.get().uri("/api/v1/accounts/{a}/agents?size=0", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("size");
    }

    @Test
    void simultaneousEnrolmentsOfOneDeviceAllAnswerAndOnlyTheLastCredentialWorks() {
        create(superAdmin);
        String key = revealedKey();
        long started = System.nanoTime();
        List<CompletableFuture<EntityExchangeResult<String>>> attempts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            attempts.add(CompletableFuture.supplyAsync(() -> enrol(key, "device-twice").expectBody(String.class).returnResult()));
        }
        List<Integer> statuses = attempts.stream().map(CompletableFuture::join).map(result -> result.getStatus().value()).toList();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("5 simultaneous enrolments of one device: %s in %d ms%n", statuses, took.toMillis());
        // Each request ends (201, or 409 when another enrolment of the device replaced it), within the command timeout.
        assertThat(statuses).containsAnyOf(201).allMatch(status -> status == 201 || status == 409);
        assertThat(took).isLessThan(Duration.ofSeconds(25));
        http.get().uri("/api/v1/accounts/{a}/agents", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(1);
    }

    @Test
    void aWrongKeyAMistypedKeyAndABadRequestAreRefusedWithoutSayingWhichKeysExist() {
        create(superAdmin);
        String key = revealedKey();
        char last = key.charAt(20);
        String mistyped = key.substring(0, 20) + (last == 'A' ? 'B' : 'A') + key.substring(21);
        enrol(mistyped, "device-x").expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.reason").isEqualTo(EnrolmentController.KEY_MALFORMED);
        String wellFormedButUnknown = dev.parapet.keys.key.CustomerKeys.generate(dev.parapet.schemas.v1.common.Region.EU);
        enrol(wellFormedButUnknown, "device-x").expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.reason").isEqualTo(EnrolmentController.KEY_NOT_ACCEPTED);
        enrol("hello", "device-x").expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.reason").isEqualTo(EnrolmentController.KEY_MALFORMED);
        http.post().uri("/agent/v1/enrolments").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("key", key, "deviceId", "bad device id!")).exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[?(@.field == 'deviceId')]").exists()
                .jsonPath("$.errors[?(@.field == 'hostname')]").exists();
    }

    @Test
    void enrolmentIsRateLimitedPerKey() {
        create(superAdmin);
        String key = revealedKey();
        for (int i = 0; i < 6; i++) {
            enrol(key, "device-" + i).expectStatus().isCreated();
        }
        enrol(key, "device-7").expectStatus().isEqualTo(429).expectHeader().exists("Retry-After");
    }

    @Test
    void anotherAccountsTokenSeesNothingOfThisAccount() {
        create(superAdmin);
        String other = token(UUID.randomUUID(), "SUPER_ADMIN");
        http.get().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(other)).exchange().expectStatus().isForbidden();
        http.get().uri("/api/v1/accounts/{a}/key/file", account).headers(h -> h.setBearerAuth(other)).exchange().expectStatus().isForbidden();
        http.get().uri("/api/v1/accounts/{a}/agents", account).headers(h -> h.setBearerAuth(other)).exchange().expectStatus().isForbidden();
        http.delete().uri("/api/v1/accounts/{a}/key?confirm=true", account).headers(h -> h.setBearerAuth(other)).exchange().expectStatus().isForbidden();
        http.get().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                .expectBody().jsonPath("$.status").isEqualTo("ACTIVE");
    }

    @Test
    void aRestartedOrSecondInstanceServesTheSameAnswersFromKafka() {
        KeyController.KeyView created = create(superAdmin);
        String key = revealedKey();
        EnrolmentController.Enrolment agent = enrolled(key, "device-r");
        for (int instance = 0; instance < 2; instance++) {
            try (ConfigurableApplicationContext other = new SpringApplicationBuilder(KeyServiceApplication.class, SecondInstanceResources.class).run(
                    "--server.port=0", "--" + ENCRYPTION_KEY, "--" + CURRENT_KEY,
                    "--parapet.keys.state-directory=target/streams/second-" + UUID.randomUUID(),
                    "--parapet.keys.region-urls.eu=http://127.0.0.1:18101")) {
                WebTestClient second = client(((WebServerApplicationContext) other).getWebServer().getPort());
                second.get().uri("/api/v1/accounts/{a}/key?reveal=true", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                        .expectStatus().isOk()
                        .expectBody()
                        .jsonPath("$.keyId").isEqualTo(created.keyId().toString())
                        .jsonPath("$.key").isEqualTo(key);
                second.get().uri("/api/v1/accounts/{a}/agents", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                        .expectBody().jsonPath("$[0].agentId").isEqualTo(agent.agentId().toString());
                second.post().uri("/api/v1/accounts/{a}/key", account).headers(h -> h.setBearerAuth(superAdmin)).exchange()
                        .expectStatus().isEqualTo(409);
            }
        }
    }

    private static String registry() {
        return RealInfrastructure.get().registryUrl();
    }

    private static KafkaConsumer<String, byte[]> tail(String topic) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    private static ConsumerRecord<String, byte[]> awaitRecord(KafkaConsumer<String, byte[]> consumer, String key,
                                                              Map<String, ConsumerRecord<String, byte[]>> seen) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !seen.containsKey(key)) {
            consumer.poll(Duration.ofMillis(20)).forEach(record -> seen.put(record.key(), record));
        }
        assertThat(seen).containsKey(key);
        return seen.get(key);
    }
}
