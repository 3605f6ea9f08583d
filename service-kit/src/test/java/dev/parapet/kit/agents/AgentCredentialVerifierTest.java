package dev.parapet.kit.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.common.Region;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.stack.KafkaCluster;
import dev.parapet.stack.Ports;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.StackDistribution;
import dev.parapet.stack.Waits;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

@WithRealInfrastructure
class AgentCredentialVerifierTest {

    private final UUID account = UUID.randomUUID();
    private final UUID agentId = UUID.randomUUID();
    private AgentCredentialVerifier verifier;
    private KafkaProducer<String, SpecificRecord> producer;

    @BeforeEach
    void start() throws Exception {
        startOn(RealInfrastructure.get().bootstrapServers(), Duration.ofSeconds(30));
    }

    private void startOn(String bootstrap, Duration staleAfter) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            for (var topic : java.util.List.of(Topics.ACCOUNT_KEYS, Topics.AGENTS)) {
                try {
                    admin.createTopics(java.util.List.of(new NewTopic(topic.name(), topic.partitions(), (short) 1)
                            .configs(topic.configs()))).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.serializer(RealInfrastructure.get().registryUrl(), false));
        verifier = new AgentCredentialVerifier(Map.of("bootstrap.servers", bootstrap),
                RealInfrastructure.get().registryUrl(), new SimpleMeterRegistry());
        verifier.follower().staleAfter(staleAfter);
        verifier.start();
        verifier.follower().ready().get(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        verifier.stop();
        producer.close();
    }

    private void publishKey(long generation, KeyStatus status) throws Exception {
        AccountKeyState key = AccountKeyState.newBuilder().setAccountId(account).setKeyId(UUID.randomUUID())
                .setGeneration(generation).setStatus(status).setRegion(Region.EU)
                .setEncryptedKey(new EncryptedSecret("k", ByteBuffer.allocate(12), ByteBuffer.allocate(16)))
                .setVerifier(Secrets.verifier("key-" + generation)).setIssuedBy("admin")
                .setIssuedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        producer.send(new ProducerRecord<>(Topics.ACCOUNT_KEYS.name(), account.toString(), key)).get();
    }

    private void publishAgent(String secret, long generation) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        AgentState agent = AgentState.newBuilder().setAgentId(agentId).setAccountId(account).setDeviceId("device-1")
                .setHostname("laptop").setOsName("macOS").setOsVersion("14.4").setAgentVersion("1.0.0")
                .setKeyId(UUID.randomUUID()).setKeyGeneration(generation).setCredentialVerifier(Secrets.verifier(secret))
                .setStatus(AgentStatus.ACTIVE).setEnrolledAt(now).setLastEnrolledAt(now).build();
        producer.send(new ProducerRecord<>(Topics.AGENTS.name(), agentId.toString(), agent)).get();
    }

    /** Whether the credential is accepted once the follower has had time to read what was just published. */
    private boolean accepted(String credential) throws Exception {
        Thread.sleep(500);
        return verifier.verify(credential).isPresent();
    }

    @Test
    void aCredentialIsAcceptedOnlyWhileItsKeyGenerationIsActive() throws Exception {
        String secret = Secrets.randomToken(32);
        String credential = AgentCredentials.format(agentId, secret);
        publishKey(1, KeyStatus.ACTIVE);
        publishAgent(secret, 1);
        verifier.follower().when(() -> verifier.verify(credential).isPresent(), Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
        assertThat(verifier.verify(credential)).hasValueSatisfying(identity -> {
            assertThat(identity.accountId()).isEqualTo(account);
            assertThat(identity.keyGeneration()).isEqualTo(1);
        });
        assertThat(verifier.verify(AgentCredentials.format(agentId, Secrets.randomToken(32)))).isEmpty();
        assertThat(verifier.verify("garbage")).isEmpty();

        long deleted = System.nanoTime();
        publishKey(1, KeyStatus.REVOKED);
        verifier.follower().when(() -> verifier.verify(credential).isEmpty(), Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
        Duration refusedAfter = Duration.ofNanos(System.nanoTime() - deleted);
        assertThat(refusedAfter).isLessThan(Duration.ofSeconds(1));

        publishKey(2, KeyStatus.ACTIVE);
        assertThat(accepted(credential)).as("an agent of the deleted generation stays refused").isFalse();
        String renewed = Secrets.randomToken(32);
        publishAgent(renewed, 2);
        verifier.follower().when(() -> verifier.verify(AgentCredentials.format(agentId, renewed)).isPresent(), Duration.ofSeconds(10))
                .get(10, TimeUnit.SECONDS);
        assertThat(verifier.verify(credential)).as("the old credential").isEmpty();
    }

    @Test
    void aVerifierStartedLaterReadsWhatWasPublishedBeforeIt() throws Exception {
        String secret = Secrets.randomToken(32);
        publishKey(1, KeyStatus.ACTIVE);
        publishAgent(secret, 1);
        AgentCredentialVerifier later = new AgentCredentialVerifier(Map.of("bootstrap.servers", RealInfrastructure.get().bootstrapServers()),
                RealInfrastructure.get().registryUrl(), new SimpleMeterRegistry());
        later.start();
        try {
            later.follower().ready().get(60, TimeUnit.SECONDS);
            assertThat(later.verify(AgentCredentials.format(agentId, secret))).as("accepted from the records already there")
                    .isPresent();
        } finally {
            later.stop();
        }
    }

    @Test
    void aVerifierOutOfTouchWithItsTopicsRefusesEveryCredential(@TempDir Path directory) throws Exception {
        try (KafkaCluster cluster = KafkaCluster.single(StackDistribution.locate(), directory, Ports.free(), Ports.free())) {
            stop();
            startOn(cluster.bootstrapServers(), Duration.ofSeconds(3));
            String secret = Secrets.randomToken(32);
            String credential = AgentCredentials.format(agentId, secret);
            publishKey(1, KeyStatus.ACTIVE);
            publishAgent(secret, 1);
            verifier.follower().when(() -> verifier.verify(credential).isPresent(), Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);

            // The broker goes away: a revocation could be waiting unread, so nothing is accepted, and agents are told to retry.
            cluster.broker(1).kill();
            Waits.until("the credential refused", Duration.ofSeconds(30), () -> verifier.verify(credential).isEmpty());
            assertThat(verifier.isCurrent()).isFalse();
            assertThatThrownBy(() -> verifier.requireBearer("Bearer " + credential))
                    .isInstanceOfSatisfying(org.springframework.web.ErrorResponseException.class,
                            e -> assertThat(e.getStatusCode().value()).isEqualTo(503));
            assertThat(verifier.health(true).getStatus().getCode()).isEqualTo("DOWN");

            cluster.restart(1);
            Waits.until("the credential accepted again", Duration.ofSeconds(90), () -> verifier.verify(credential).isPresent());
        }
    }
}
