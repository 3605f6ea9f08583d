package dev.parapet.kit.testing;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Properties;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.agents.AgentCredentials;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.common.Region;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.stack.RealInfrastructure;

/**
 * Publishes what key-service would (an account's key, its enrolled agents), and any other service's
 * records, so that a service can be tested with agents and configuration without the others running.
 */
public final class TestAgents implements AutoCloseable {

    private final KafkaProducer<String, SpecificRecord> producer;

    public TestAgents() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers());
        producer = new KafkaProducer<>(config, new StringSerializer(), AvroSerdes.serializer(RealInfrastructure.get().registryUrl(), false));
    }

    public void key(UUID account, long generation, KeyStatus status) throws Exception {
        AccountKeyState key = AccountKeyState.newBuilder().setAccountId(account).setKeyId(UUID.randomUUID())
                .setGeneration(generation).setStatus(status).setRegion(Region.EU)
                .setEncryptedKey(new EncryptedSecret("k", ByteBuffer.allocate(12), ByteBuffer.allocate(16)))
                .setVerifier(Secrets.verifier("key-" + generation)).setIssuedBy("admin")
                .setIssuedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        producer.send(new ProducerRecord<>(Topics.ACCOUNT_KEYS.name(), account.toString(), key)).get();
    }

    /** Enrols an agent of the account's key generation; returns its credential. */
    public String agent(UUID account, UUID agentId, long generation) throws Exception {
        String secret = Secrets.randomToken(32);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        AgentState agent = AgentState.newBuilder().setAgentId(agentId).setAccountId(account).setDeviceId("device-" + agentId)
                .setHostname("laptop").setOsName("macOS").setOsVersion("14.4").setAgentVersion("1.0.0")
                .setKeyId(UUID.randomUUID()).setKeyGeneration(generation).setCredentialVerifier(Secrets.verifier(secret))
                .setStatus(AgentStatus.ACTIVE).setEnrolledAt(now).setLastEnrolledAt(now).build();
        producer.send(new ProducerRecord<>(Topics.AGENTS.name(), agentId.toString(), agent)).get();
        return AgentCredentials.format(agentId, secret);
    }

    /** Publishes any record, as the service that owns its topic would. */
    public void publish(String topic, String key, SpecificRecord value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** Waits, 20 s at most, until the service's verifier accepts the credential (it reads the key and agent topics). */
    public static void awaitAccepted(AgentCredentialVerifier verifier, String credential) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (verifier.verify(credential).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the credential is not accepted within 20 s");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
