package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.access.KafkaAccess;
import dev.parapet.schemas.access.KafkaAccessTool;
import dev.parapet.stack.KafkaSecurity;
import dev.parapet.stack.StackDistribution;

/**
 * Parapet on a broker locked down as in production: SASL_SSL with SCRAM-SHA-512, the StandardAuthorizer
 * with no access where no ACL says so, and the ACLs that {@link KafkaAccessTool} computes from the topic
 * catalogue. Every service becomes healthy with its own principal (so the ACLs are complete: its state
 * followers, Streams applications, producers and dead-letter writers all work), yet a service cannot write
 * another's topic or read what it does not consume, and nobody gets in without a password.
 */
@Order(1)
class LockedDownKafkaTest {

    @TempDir
    static Path directory;
    static KafkaSecurity security;
    static FaultStack stack;

    @BeforeAll
    static void start() throws Exception {
        List<String> users = new java.util.ArrayList<>(KafkaAccess.SERVICES.stream().map(KafkaAccess.Service::name).toList());
        users.add(KafkaAccess.REGISTRY);
        security = KafkaSecurity.create(StackDistribution.locate(), directory.resolve("kafka-security"), users);
        stack = FaultStack.startSecured(directory, security);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyServiceIsHealthyWithOnlyItsOwnPrincipal() {
        for (FaultStack.Service service : stack.services()) {
            assertThat(dev.parapet.stack.ServiceProcesses.isHealthy(java.net.URI.create(service.url() + "/actuator/health/readiness")))
                    .as(service.spec.name()).isTrue();
        }
    }

    @Test
    void theProductWorksThroughTheLockedDownBrokerWithoutOneRefusal() throws Exception {
        UUID account = UUID.randomUUID();
        String admin = stack.superAdmin(account);
        String key = Api.createKey(stack, account, admin);
        Api.Answer enrolled = Api.enrol(stack, key, "locked-down-device");
        assertThat(enrolled.status()).as(enrolled.body()).isEqualTo(201);
        String credential = enrolled.json().get("credential").asText();
        Api.Answer policy = Api.createPolicy(stack, account, admin, "LockedDown");
        assertThat(policy.ok()).as(policy.body()).isTrue();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Api.doh(stack, credential, "allowed.fault.example") != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(Api.doh(stack, credential, "allowed.fault.example")).isEqualTo(200);
        // Nothing a service does is refused: no client of any service met an authorization error.
        for (FaultStack.Service service : stack.services()) {
            String log = Files.readString(directory.resolve("logs").resolve(service.instance + ".log"));
            assertThat(log).as(service.instance + "'s log").doesNotContainPattern("AuthorizationException|(?i)not authorized");
        }
    }

    @Test
    void dnsServiceWritesVerdictsButIsRefusedAgentsAndPolicies() throws Exception {
        try (KafkaProducer<byte[], byte[]> dns = producer(security.clientProperties("dns-service"))) {
            dns.send(new ProducerRecord<>(Topics.VERDICTS.name(), bytes("account"), bytes("verdict"))).get(30, TimeUnit.SECONDS);
        }
        for (String foreign : List.of(Topics.AGENTS.name(), Topics.POLICIES.name())) {
            try (KafkaProducer<byte[], byte[]> dns = producer(security.clientProperties("dns-service"))) {
                assertThatThrownBy(() -> dns.send(new ProducerRecord<>(foreign, bytes("agent"), bytes("forged"))).get(30, TimeUnit.SECONDS))
                        .as(foreign).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    @Test
    void aServiceCannotReadATopicItDoesNotConsume() {
        try (KafkaConsumer<byte[], byte[]> diagnostics = consumer(security.clientProperties("diagnostics-service"))) {
            diagnostics.assign(List.of(new TopicPartition(Topics.POLICIES.name(), 0)));
            diagnostics.seekToBeginning(List.of(new TopicPartition(Topics.POLICIES.name(), 0)));
            assertThatThrownBy(() -> diagnostics.poll(Duration.ofSeconds(10))).isInstanceOf(TopicAuthorizationException.class);
        }
        try (KafkaConsumer<byte[], byte[]> dns = consumer(security.clientProperties("dns-service"))) {
            dns.assign(List.of(new TopicPartition(Topics.VERDICTS.name(), 0)));
            dns.seekToBeginning(List.of(new TopicPartition(Topics.VERDICTS.name(), 0)));
            assertThatThrownBy(() -> dns.poll(Duration.ofSeconds(10))).isInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aWrongPasswordOrAnUnknownUserIsRefused() {
        for (Map<String, Object> credentials : List.of(security.clientProperties("dns-service", "not-the-password"),
                security.clientProperties("intruder", "any"))) {
            try (KafkaProducer<byte[], byte[]> intruder = producer(credentials)) {
                assertThatThrownBy(() -> intruder.send(new ProducerRecord<>(Topics.AGENTS.name(), bytes("a"), bytes("forged")))
                        .get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    @Test
    void aClientWithoutTlsAndSaslGetsNothing() {
        Map<String, Object> anonymous = new HashMap<>();
        anonymous.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
        anonymous.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        anonymous.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        try (Admin admin = Admin.create(anonymous)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS)).isInstanceOf(Exception.class);
        }
        Map<String, Object> anonymousProducer = new HashMap<>(anonymous);
        anonymousProducer.remove(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        anonymousProducer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(anonymousProducer, new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(Topics.AGENTS.name(), bytes("a"), bytes("forged"))).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(Exception.class);
        }
    }

    @Test
    void applyingAgainChangesNothingAndTakesBackAGrantTheCatalogueDoesNotMake() throws Exception {
        AclBinding stale = new AclBinding(new ResourcePattern(ResourceType.TOPIC, Topics.AGENTS.name(), PatternType.LITERAL),
                new AccessControlEntry("User:dns-service", "*", AclOperation.WRITE, AclPermissionType.ALLOW));
        try (Admin admin = stack.kafka.admin()) {
            admin.createAcls(List.of(stale)).all().get(30, TimeUnit.SECONDS);
            KafkaAccessTool.Applied applied = KafkaAccessTool.apply(admin, true, (short) 1, 1);
            assertThat(applied.createdTopics()).isEmpty();
            assertThat(applied.added()).isEmpty();
            assertThat(applied.removed()).containsExactly(stale);
            assertThat(KafkaAccessTool.apply(admin, true, (short) 1, 1)).isEqualTo(new KafkaAccessTool.Applied(List.of(), List.of(), List.of()));
        }
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        assertThat(KafkaAccessTool.run(new String[] {"--apply", "--bootstrap-server", stack.kafka.bootstrapServers()},
                new PrintStream(printed, true), new PrintStream(printed, true)))
                .as("without the admin's credentials: " + printed).isEqualTo(1);
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> credentials) {
        Map<String, Object> config = new HashMap<>(credentials);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> credentials) {
        Map<String, Object> config = new HashMap<>(credentials);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
